namespace Epics.Pva.Data;

public sealed partial class PvValue
{
    /// <summary>
    /// Copies <paramref name="source"/> into this value by field name, so that a value can be posted into a record of a
    /// compatible but not identical layout (a record that is the input plus fields, producers of different layouts):
    /// structure members are matched by name at every level, scalars convert between numeric types, booleans and
    /// strings, scalar arrays are shared (not copied) when the element types match and converted otherwise, unions
    /// select the member of the same name, structure and union arrays are copied element by element, an any takes a
    /// copy. Fields the source does not have are left as they are; every field written is marked in
    /// <see cref="Changed"/>.
    /// </summary>
    /// <exception cref="ArgumentException">Fields of the same name cannot be converted (e.g. a structure and a scalar).</exception>
    /// <exception cref="FormatException">A string does not parse as the number or boolean of the target field.</exception>
    public void Assign(PvValue source) => Assign(source, onlyChanged: false);

    /// <summary>
    /// As <see cref="Assign(PvValue)"/>; with <paramref name="onlyChanged"/> only the fields marked in the source's
    /// <see cref="Changed"/> are copied (a marked structure counts as wholly marked), for forwarding partial updates.
    /// </summary>
    public void Assign(PvValue source, bool onlyChanged)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!ReferenceEquals(source, this))
        {
            AssignField(Root, source.Root, onlyChanged, string.Empty);
        }
    }

    private static void AssignField(PvField target, PvField source, bool onlyChanged, string path)
    {
        if (onlyChanged)
        {
            if (source.IsChanged)
            {
                onlyChanged = false; // a marked node stands for its whole subtree
            }
            else if (source.Type.Kind != TypeKind.Structure || !source.IsAnyChanged)
            {
                return;
            }
        }

        if (!onlyChanged && target.Type.Equals(source.Type))
        {
            CopyNodes(target, source);
            return;
        }

        switch (target.Type.Kind, source.Type.Kind)
        {
            case (TypeKind.Structure, TypeKind.Structure):
                for (var i = 0; i < target.Type.Members.Count; i++)
                {
                    var name = target.Type.Members[i].Name;
                    var j = source.Type.IndexOf(name);
                    if (j >= 0)
                    {
                        AssignField(target.Owner.FieldAt(target.Offset + target.Type.MemberOffset(i)),
                            source.Owner.FieldAt(source.Offset + source.Type.MemberOffset(j)), onlyChanged, Join(path, name));
                    }
                }

                break;
            case (TypeKind.Scalar, TypeKind.Scalar):
            case (TypeKind.Scalar, TypeKind.Variant) when source.Content is { Type.Kind: TypeKind.Scalar }:
                AssignScalar(target, source);
                break;
            case (TypeKind.ScalarArray, TypeKind.ScalarArray):
            case (TypeKind.ScalarArray, TypeKind.Variant) when source.Content is { Type.Kind: TypeKind.ScalarArray }:
                target.SetArray(source.GetArray().Retain());
                break;
            case (TypeKind.Union, TypeKind.Union):
                AssignUnion(target, source, path);
                break;
            case (TypeKind.Variant, _):
                target.SetContent(CopyAsValue(source));
                break;
            case (TypeKind.StructureArray, TypeKind.StructureArray):
            case (TypeKind.UnionArray, TypeKind.UnionArray):
                AssignElements(target, source, path);
                break;
            default:
                throw new ArgumentException(
                    $"cannot assign a {source.Type.TypeName} to field '{path}' ({target.Type.TypeName})", nameof(source));
        }
    }

    // Same type: node for node, arrays retained (as Apply does).
    private static void CopyNodes(PvField target, PvField source)
    {
        var to = target.Owner;
        var from = source.Owner;
        for (var k = 0; k < target.Type.BitCount; k++)
        {
            var i = target.Offset + k;
            var old = to.Nodes[i].Ref;
            to.Nodes[i].Bits = from.Nodes[source.Offset + k].Bits;
            to.Nodes[i].Ref = CloneRef(from.Nodes[source.Offset + k].Ref);
            ReleaseRef(old);
            to.Changed.Set(i);
        }
    }

    private static void AssignScalar(PvField target, PvField source)
    {
        var type = source.Type.Kind == TypeKind.Variant ? source.Content!.Type.ScalarType : source.Type.ScalarType;
        switch (type)
        {
            case ScalarType.String: target.Set(source.GetString()); break;
            case ScalarType.Boolean: target.Set(source.GetBoolean()); break;
            case ScalarType.Float or ScalarType.Double: target.Set(source.GetDouble()); break;
            case ScalarType.ULong: target.Set(source.GetUInt64()); break;
            default: target.Set(source.GetInt64()); break;
        }
    }

    private static void AssignUnion(PvField target, PvField source, string path)
    {
        if (source.SelectedName is not { } name)
        {
            target.Select(-1);
            return;
        }

        if (target.Type.IndexOf(name) < 0)
        {
            throw new ArgumentException($"union '{path}' has no member '{name}'", nameof(source));
        }

        AssignField(target.Select(name), source.Content!.Root, onlyChanged: false, Join(path, name));
    }

    private static void AssignElements(PvField target, PvField source, string path)
    {
        var from = source.Elements;
        var elements = new PvValue?[from.Count];
        try
        {
            for (var i = 0; i < from.Count; i++)
            {
                if (from[i] is { } e)
                {
                    elements[i] = target.NewElement();
                    AssignField(elements[i]!.Root, e.Root, onlyChanged: false, $"{path}[{i}]");
                }
            }
        }
        catch
        {
            ReleaseRef(elements);
            throw;
        }

        target.SetElements(elements);
    }

    // The content an any receives: a copy of the source field as a value of its own type.
    private static PvValue? CopyAsValue(PvField source)
    {
        if (source.Type.Kind == TypeKind.Variant)
        {
            return source.Content?.Clone();
        }

        var copy = new PvValue(source.Type);
        CopyNodes(copy.Root, source);
        return copy;
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";
}
