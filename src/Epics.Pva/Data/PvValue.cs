namespace Epics.Pva.Data;

/// <summary>
/// A value of a <see cref="PvType"/>: for a structure, a tree whose nodes are numbered by the protocol's bit offsets,
/// each with a "changed" mark in <see cref="Changed"/>. Look fields up with <c>value["alarm.severity"]</c>.
/// Values are not thread-safe. A value owns its nodes; only <see cref="PvArray"/> storage is shared (reference
/// counted) between a value and its clones, so <see cref="Dispose"/> returns pooled frame buffers once nobody uses them.
/// </summary>
public sealed partial class PvValue : IDisposable
{
    // Node i holds the field at bit offset i. Scalars live in Bits (integers sign- or zero-extended, floating point as
    // double bits, booleans 0/1), everything else in Ref: string, PvArray (scalar arrays), PvValue (the selected member
    // of a union, with Bits = selector; the content of an any), PvValue?[] (structure, union and any arrays).
    internal readonly Node[] Nodes;

    /// <summary>A value of <paramref name="type"/> with every field at its default (0, "", empty, no union member).</summary>
    public PvValue(PvType type)
    {
        Type = type;
        Nodes = new Node[type.BitCount];
        Changed = BitSet.WithCapacity(type.BitCount);
        InitDefaults(type, 0);
    }

    private PvValue(PvValue source)
    {
        Type = source.Type;
        Nodes = (Node[])source.Nodes.Clone();
        Changed = BitSet.WithCapacity(Type.BitCount);
        Changed.Or(source.Changed);
        for (var i = 0; i < Nodes.Length; i++)
        {
            Nodes[i].Ref = CloneRef(Nodes[i].Ref);
        }
    }

    /// <summary>The type of this value.</summary>
    public PvType Type { get; }

    /// <summary>Fields marked as changed (set, received or to be sent), by bit offset.</summary>
    public BitSet Changed { get; }

    /// <summary>The whole value as a field (bit 0).</summary>
    public PvField Root => new(this, 0);

    /// <summary>The field at a dotted path (<c>"alarm.severity"</c>); throws <see cref="KeyNotFoundException"/> if absent.</summary>
    public PvField this[string path] => TryGetField(path, out var f)
        ? f
        : throw new KeyNotFoundException($"no field '{path}' in {Type.DisplayId}");

    /// <summary>The field at a dotted path, if the type has it.</summary>
    public bool TryGetField(string path, out PvField field)
    {
        var offset = Type.Kind == TypeKind.Structure ? Type.OffsetOf(path) : path.Length == 0 ? 0 : -1;
        field = offset >= 0 ? new PvField(this, offset) : default;
        return offset >= 0;
    }

    /// <summary>The field at bit offset <paramref name="offset"/>.</summary>
    public PvField FieldAt(int offset)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)offset, (uint)Nodes.Length, nameof(offset));
        return new PvField(this, offset);
    }

    /// <summary>Marks every field changed (bit 0 alone would do on the wire; this marks each node).</summary>
    public void MarkAllChanged() => Changed.SetRange(0, Nodes.Length);

    /// <summary>
    /// A copy whose nodes are independent of this one. Scalar arrays are shared (their reference counts go up), which
    /// is what makes copying a frame cheap.
    /// </summary>
    public PvValue Clone() => new(this);

    /// <summary>
    /// Copies the fields marked in <paramref name="source"/>'s <see cref="PvValue.Changed"/> (whole subtrees for
    /// marked structures) into this value and marks them here. Both values must have the same type.
    /// </summary>
    public void Apply(PvValue source) => Apply(source, source.Changed);

    /// <summary>Copies the fields selected by <paramref name="fields"/> from <paramref name="source"/>, marking them.</summary>
    public void Apply(PvValue source, BitSet fields)
    {
        if (!source.Type.Equals(Type))
        {
            throw new ArgumentException("values have different types", nameof(source));
        }

        for (var bit = fields.NextSetBit(0); bit >= 0 && bit < Nodes.Length;)
        {
            var width = TypeAt(bit).BitCount;
            for (var i = bit; i < bit + width; i++)
            {
                ref var to = ref Nodes[i];
                var from = source.Nodes[i].Ref;
                to.Bits = source.Nodes[i].Bits;
                switch (from)
                {
                    // A nested value (a union's member, a structure array's elements) of the same layout is copied into
                    // the one this value has, not cloned: a stream of posts allocates nothing here.
                    case PvValue v when to.Ref is PvValue mine && !ReferenceEquals(mine, v) && mine.Type.Equals(v.Type):
                        mine.CopyFrom(v);
                        break;
                    case PvValue?[] elements when to.Ref is PvValue?[] mine && !ReferenceEquals(mine, elements) && mine.Length == elements.Length:
                        CopyElements(mine, elements);
                        break;
                    default:
                        var old = to.Ref;
                        to.Ref = CloneRef(from);
                        ReleaseRef(old);
                        break;
                }

                Changed.Set(i);
            }

            bit = fields.NextSetBit(bit + width);
        }
    }

    /// <summary>Releases this value's hold on its array storage (pooled frame buffers go back to their pool).</summary>
    public void Dispose()
    {
        for (var i = 0; i < Nodes.Length; i++)
        {
            var r = Nodes[i].Ref;
            Nodes[i].Ref = null;
            ReleaseRef(r);
        }

        // Leave the value usable (defaults) rather than full of nulls.
        InitDefaults(Type, 0);
    }

    /// <summary>The value as <c>pvget</c> prints it.</summary>
    public override string ToString() => PvFormatter.Format(this);

    internal PvType TypeAt(int offset) => Type.TypeAt(offset);

    internal void InitDefaults(PvType type, int offset)
    {
        switch (type.Kind)
        {
            case TypeKind.Scalar:
                Nodes[offset] = new Node { Ref = type.ScalarType == ScalarType.String ? string.Empty : null };
                break;
            case TypeKind.Structure:
                for (var i = 0; i < type.Members.Count; i++)
                {
                    InitDefaults(type.Members[i].Type, offset + type.MemberOffset(i));
                }

                break;
            case TypeKind.Union:
                Nodes[offset] = new Node { Bits = -1 };
                break;
            default:
                Nodes[offset] = default;
                break;
        }
    }

    internal static object? CloneRef(object? r) => r switch
    {
        PvArray a => a.Retain(),
        PvValue v => v.Clone(),
        PvValue?[] arr => CloneElements(arr),
        _ => r,
    };

    internal static void ReleaseRef(object? r)
    {
        switch (r)
        {
            case PvArray a:
                a.Dispose();
                break;
            case PvValue v:
                v.Dispose();
                break;
            case PvValue?[] arr:
                foreach (var e in arr)
                {
                    e?.Dispose();
                }

                break;
        }
    }

    private static PvValue?[] CloneElements(PvValue?[] source)
    {
        var copy = new PvValue?[source.Length];
        for (var i = 0; i < source.Length; i++)
        {
            copy[i] = source[i]?.Clone();
        }

        return copy;
    }

    internal struct Node
    {
        public long Bits;
        public object? Ref;
    }
}
