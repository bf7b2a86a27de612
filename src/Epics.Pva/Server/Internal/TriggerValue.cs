using Epics.Pva.Data;

namespace Epics.Pva.Server.Internal;

/// <summary>
/// The distributor's memory of a trigger field's last value. Compares the field's nodes (scalar bits and strings) in
/// place, so deciding who gets a post allocates nothing; the stored copy is reused from post to post. A trigger
/// holding arrays, unions or structure arrays (whose nodes a later post rewrites or releases) is compared by its text
/// as before: no detector uses one, and holding references to them would keep frame buffers alive.
/// </summary>
internal sealed class TriggerValue
{
    private long[] _bits = [];
    private string?[] _strings = [];
    private int _width = -1; // -1: nothing stored yet
    private string? _text;

    /// <summary>Whether the field at <paramref name="offset"/> of <paramref name="value"/> equals the stored value.</summary>
    public bool Matches(PvValue value, int offset)
    {
        var width = value.TypeAt(offset).BitCount;
        if (!IsPlain(value, offset, width))
        {
            return _text is not null && _text == Describe(value.FieldAt(offset));
        }

        if (_text is not null || _width != width)
        {
            return false;
        }

        for (var i = 0; i < width; i++)
        {
            var node = value.Nodes[offset + i];
            if (node.Bits != _bits[i] || !string.Equals(node.Ref as string, _strings[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Remembers the field at <paramref name="offset"/> of <paramref name="value"/>.</summary>
    public void Store(PvValue value, int offset)
    {
        var width = value.TypeAt(offset).BitCount;
        if (!IsPlain(value, offset, width))
        {
            _text = Describe(value.FieldAt(offset));
            _width = -1;
            return;
        }

        _text = null;
        if (_bits.Length < width)
        {
            _bits = new long[width];
            _strings = new string?[width];
        }

        for (var i = 0; i < width; i++)
        {
            var node = value.Nodes[offset + i];
            _bits[i] = node.Bits;
            _strings[i] = node.Ref as string;
        }

        _width = width;
    }

    // Scalars and structures of scalars: every reference is a string (or none).
    private static bool IsPlain(PvValue value, int offset, int width)
    {
        for (var i = offset; i < offset + width; i++)
        {
            if (value.Nodes[i].Ref is not (null or string))
            {
                return false;
            }
        }

        return true;
    }

    private static string Describe(PvField field) => field.Type.Kind switch
    {
        TypeKind.Scalar => field.GetString(),
        TypeKind.Structure => string.Join('|', field.Fields.Select(f => Describe(f.Field))),
        _ => field.ToString(),
    };
}
