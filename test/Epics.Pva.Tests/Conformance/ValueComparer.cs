using Epics.Pva.Data;

namespace Epics.Pva.Tests.Conformance;

/// <summary>
/// Structural equality of two values, walked by type (not by comparing encodings, so a field that both our encoder
/// and our decoder dropped would still be caught against the first decode).
/// </summary>
internal static class ValueComparer
{
    public static void AssertEqual(PvValue expected, PvValue actual, string context)
    {
        Check.That(expected.Type.Equals(actual.Type), () => $"{context}: type\n{expected.Type}vs\n{actual.Type}");
        Check.That(expected.Changed.Equals(actual.Changed), () => $"{context}: changed {expected.Changed} vs {actual.Changed}");
        Compare(expected, actual, 0, expected.Type, context);
    }

    private static void Compare(PvValue e, PvValue a, int offset, PvType type, string path)
    {
        var en = e.Nodes[offset];
        var an = a.Nodes[offset];
        switch (type.Kind)
        {
            case TypeKind.Scalar:
                if (type.ScalarType == ScalarType.String)
                {
                    Check.That((string?)en.Ref == (string?)an.Ref, () => $"{path}: '{en.Ref}' vs '{an.Ref}'");
                }
                else
                {
                    Check.That(en.Bits == an.Bits, () => $"{path}: {e.FieldAt(offset)} vs {a.FieldAt(offset)}");
                }

                break;
            case TypeKind.ScalarArray:
            {
                var ea = en.Ref as PvArray;
                var aa = an.Ref as PvArray;
                Check.That((ea?.Count ?? 0) == (aa?.Count ?? 0), () => $"{path}: {ea?.Count ?? 0} vs {aa?.Count ?? 0} elements");
                if (ea is not null && aa is not null)
                {
                    Check.That(ea.ElementType == aa.ElementType, () => $"{path}: element types differ");
                    Check.That(ea.Bytes.SequenceEqual(aa.Bytes), () => $"{path}: array bytes differ");
                    Check.That(ea.Strings.SequenceEqual(aa.Strings), () => $"{path}: string elements differ");
                }

                break;
            }

            case TypeKind.Structure:
                for (var i = 0; i < type.Members.Count; i++)
                {
                    Compare(e, a, offset + type.MemberOffset(i), type.Members[i].Type, Join(path, type.Members[i].Name));
                }

                break;
            case TypeKind.Union:
                Check.That(en.Bits == an.Bits, () => $"{path}: union selector {en.Bits} vs {an.Bits}");
                CompareContent(en.Ref as PvValue, an.Ref as PvValue, path + "<" + (en.Bits >= 0 ? type.Members[(int)en.Bits].Name : "-") + ">");
                break;
            case TypeKind.Variant:
                CompareContent(en.Ref as PvValue, an.Ref as PvValue, path + "<any>");
                break;
            default:
            {
                var ee = en.Ref as PvValue?[] ?? [];
                var ae = an.Ref as PvValue?[] ?? [];
                Check.That(ee.Length == ae.Length, () => $"{path}: {ee.Length} vs {ae.Length} elements");
                for (var i = 0; i < ee.Length; i++)
                {
                    CompareContent(ee[i], ae[i], $"{path}[{i}]");
                }

                break;
            }
        }
    }

    private static void CompareContent(PvValue? e, PvValue? a, string path)
    {
        Check.That(e is null == a is null, () => $"{path}: {(e is null ? "null" : "value")} vs {(a is null ? "null" : "value")}");
        if (e is not null && a is not null)
        {
            Check.That(e.Type.Equals(a.Type), () => $"{path}: content type\n{e.Type}vs\n{a.Type}");
            Compare(e, a, 0, e.Type, path);
        }
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : path + "." + name;
}
