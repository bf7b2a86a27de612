using System.Collections.Frozen;
using System.Text;

namespace Epics.Pva.Data;

/// <summary>
/// An immutable pvData type description (a "FieldDesc"). Types compare by structure, so they can be used as
/// dictionary keys and cached. For structures, every node of the tree has a bit offset (pre-order, the structure
/// itself is 0) as the protocol numbers fields for partial updates (pva-protocol §4.2).
/// </summary>
public sealed class PvType : IEquatable<PvType>
{
    /// <summary>The ID pvData gives a structure with no explicit ID.</summary>
    public const string DefaultStructureId = "structure";

    /// <summary>The ID pvData gives a union with no explicit ID.</summary>
    public const string DefaultUnionId = "union";

    private static readonly PvType[] ScalarCache = BuildScalarCache(TypeKind.Scalar);
    private static readonly PvType[] ArrayCache = BuildScalarCache(TypeKind.ScalarArray);

    private readonly PvMember[] _members;
    private readonly FrozenDictionary<string, int>? _index;
    private readonly int[] _memberOffsets;
    private readonly int _hash;

    private PvType(TypeKind kind, ScalarType scalar, string id, PvMember[] members, PvType? element, int bound, bool isFixed)
    {
        Kind = kind;
        ScalarType = scalar;
        Id = id;
        _members = members;
        ElementType = element;
        Bound = bound;
        IsFixedSize = isFixed;
        _memberOffsets = new int[members.Length];
        if (kind == TypeKind.Structure)
        {
            long offset = 1;
            for (var i = 0; i < members.Length; i++)
            {
                _memberOffsets[i] = (int)offset;
                offset += members[i].Type.BitCount;
                if (offset > int.MaxValue)
                {
                    throw new ArgumentException($"structure has more than {int.MaxValue} fields");
                }
            }

            BitCount = (int)offset;
        }
        else
        {
            BitCount = 1;
        }

        // Saturating: a description built from shared (cached) types may expand far beyond what it costs to store.
        long expanded = 1;
        foreach (var m in members)
        {
            expanded += m.Type.ExpandedSize;
        }

        expanded += element?.ExpandedSize ?? 0;
        ExpandedSize = (int)Math.Min(expanded, int.MaxValue);

        if (members.Length > 0)
        {
            var map = new Dictionary<string, int>(members.Length, StringComparer.Ordinal);
            for (var i = 0; i < members.Length; i++)
            {
                if (!map.TryAdd(members[i].Name, i))
                {
                    throw new ArgumentException($"duplicate field name '{members[i].Name}'");
                }
            }

            _index = map.ToFrozenDictionary(StringComparer.Ordinal);
        }

        var hash = new HashCode();
        hash.Add(kind);
        hash.Add(scalar);
        hash.Add(id, StringComparer.Ordinal);
        foreach (var m in members)
        {
            hash.Add(m.Name, StringComparer.Ordinal);
            hash.Add(m.Type._hash);
        }

        hash.Add(element?._hash ?? 0);
        _hash = hash.ToHashCode();
    }

    /// <summary>The kind of field.</summary>
    public TypeKind Kind { get; }

    /// <summary>For <see cref="TypeKind.Scalar"/> and <see cref="TypeKind.ScalarArray"/>: the element type.</summary>
    public ScalarType ScalarType { get; }

    /// <summary>
    /// For structures and unions: the type ID (<c>epics:nt/NTScalar:1.0</c>, <c>alarm_t</c>...). Empty when the type has
    /// no ID of its own; see <see cref="DisplayId"/>.
    /// </summary>
    public string Id { get; }

    /// <summary>The ID as tools print it: the default <c>structure</c>/<c>union</c> when <see cref="Id"/> is empty.</summary>
    public string DisplayId => Id.Length > 0 ? Id : Kind switch
    {
        TypeKind.Structure or TypeKind.StructureArray => DefaultStructureId,
        TypeKind.Union or TypeKind.UnionArray => DefaultUnionId,
        _ => string.Empty,
    };

    /// <summary>For structures and unions: the fields/members in declaration order.</summary>
    public IReadOnlyList<PvMember> Members => _members;

    /// <summary>For structure and union arrays: the element type (a structure or a union).</summary>
    public PvType? ElementType { get; }

    /// <summary>
    /// For types decoded from bounded strings, bounded arrays and fixed arrays (pvDataCPP only): the bound or the fixed
    /// count. Zero otherwise. Such types are accepted on receive and always sent as unbounded.
    /// </summary>
    public int Bound { get; }

    /// <summary>True for a fixed-size array as decoded from pvDataCPP (its values carry no element count).</summary>
    public bool IsFixedSize { get; }

    /// <summary>Number of bit offsets this type occupies: 1 for everything but structures, which count their subtree.</summary>
    public int BitCount { get; }

    /// <summary>
    /// Number of nodes of this type written out as a tree (every member of every structure and union, and array element
    /// types, counted where they appear; saturates at <see cref="int.MaxValue"/>). A type built from shared parts may
    /// expand far beyond its storage; decoders bound this (<see cref="PvaLimits.MaxTypeFields"/>).
    /// </summary>
    public int ExpandedSize { get; }

    /// <summary>True for the types whose values hold a single element (scalars and strings).</summary>
    public bool IsScalar => Kind == TypeKind.Scalar;

    /// <summary>True for arrays of any kind.</summary>
    public bool IsArray => Kind is TypeKind.ScalarArray or TypeKind.StructureArray or TypeKind.UnionArray or TypeKind.VariantArray;

    /// <summary>The variant union type (<c>any</c>).</summary>
    public static PvType Variant { get; } = new(TypeKind.Variant, default, string.Empty, [], null, 0, false);

    /// <summary>An array of variant unions (<c>any[]</c>).</summary>
    public static PvType VariantArray { get; } = new(TypeKind.VariantArray, default, string.Empty, [], null, 0, false);

    /// <summary>The empty structure (used for empty pvRequests).</summary>
    public static PvType EmptyStructure { get; } = Structure(string.Empty);

    /// <summary>Shorthand for <c>Scalar(ScalarType.Boolean)</c> and friends.</summary>
    public static PvType Boolean => Scalar(ScalarType.Boolean);
#pragma warning disable CS1591
    public static PvType Byte => Scalar(ScalarType.Byte);
    public static PvType Short => Scalar(ScalarType.Short);
    public static PvType Int => Scalar(ScalarType.Int);
    public static PvType Long => Scalar(ScalarType.Long);
    public static PvType UByte => Scalar(ScalarType.UByte);
    public static PvType UShort => Scalar(ScalarType.UShort);
    public static PvType UInt => Scalar(ScalarType.UInt);
    public static PvType ULong => Scalar(ScalarType.ULong);
    public static PvType Float => Scalar(ScalarType.Float);
    public static PvType Double => Scalar(ScalarType.Double);
    public static PvType String => Scalar(ScalarType.String);
#pragma warning restore CS1591

    /// <summary>The scalar type <paramref name="type"/> (cached instances).</summary>
    public static PvType Scalar(ScalarType type) => ScalarCache[(byte)type];

    /// <summary>A variable-size array of <paramref name="type"/> (cached instances).</summary>
    public static PvType Array(ScalarType type) => ArrayCache[(byte)type];

    /// <summary>A structure with the given ID (empty for none) and fields.</summary>
    public static PvType Structure(string id, params IEnumerable<PvMember> members) =>
        new(TypeKind.Structure, default, NormalizeId(id, DefaultStructureId), [.. members], null, 0, false);

    /// <summary>A union with the given ID (empty for none) and members.</summary>
    public static PvType Union(string id, params IEnumerable<PvMember> members) =>
        new(TypeKind.Union, default, NormalizeId(id, DefaultUnionId), [.. members], null, 0, false);

    /// <summary>An array of structures of type <paramref name="element"/>.</summary>
    public static PvType StructureArray(PvType element)
    {
        if (element.Kind != TypeKind.Structure)
        {
            throw new ArgumentException("element of a structure array must be a structure", nameof(element));
        }

        return new(TypeKind.StructureArray, default, string.Empty, [], element, 0, false);
    }

    /// <summary>An array of unions of type <paramref name="element"/>.</summary>
    public static PvType UnionArray(PvType element)
    {
        if (element.Kind != TypeKind.Union)
        {
            throw new ArgumentException("element of a union array must be a union", nameof(element));
        }

        return new(TypeKind.UnionArray, default, string.Empty, [], element, 0, false);
    }

    internal static PvType BoundedString(int bound) => new(TypeKind.Scalar, ScalarType.String, string.Empty, [], null, bound, false);

    internal static PvType BoundedArray(ScalarType type, int bound, bool isFixed) =>
        new(TypeKind.ScalarArray, type, string.Empty, [], null, bound, isFixed);

    /// <summary>Starts building a structure type.</summary>
    public static PvStructureBuilder Builder(string id = "") => new(id);

    /// <summary>Index of the member called <paramref name="name"/>, or -1.</summary>
    public int IndexOf(string name) => _index is not null && _index.TryGetValue(name, out var i) ? i : -1;

    /// <summary>The member called <paramref name="name"/>, or null.</summary>
    public PvType? this[string name] => IndexOf(name) is var i and >= 0 ? _members[i].Type : null;

    /// <summary>For a structure: the bit offset of member <paramref name="index"/> relative to this structure.</summary>
    public int MemberOffset(int index) => _memberOffsets[index];

    /// <summary>
    /// For a structure: the bit offset (relative to this structure) of the field at a dotted path such as
    /// <c>alarm.severity</c>, or -1 when there is no such field. The empty path is 0.
    /// </summary>
    public int OffsetOf(ReadOnlySpan<char> path)
    {
        var type = this;
        var offset = 0;
        while (path.Length > 0)
        {
            if (type.Kind != TypeKind.Structure)
            {
                return -1;
            }

            var dot = path.IndexOf('.');
            var head = dot < 0 ? path : path[..dot];
            path = dot < 0 ? [] : path[(dot + 1)..];
            var lookup = type._index?.GetAlternateLookup<ReadOnlySpan<char>>();
            if (lookup is null || !lookup.Value.TryGetValue(head, out var i))
            {
                return -1;
            }

            offset += type._memberOffsets[i];
            type = type._members[i].Type;
        }

        return offset;
    }

    /// <summary>For a structure: the type of the node at bit offset <paramref name="offset"/> and its name.</summary>
    public (PvType Type, string Name, string Path) NodeAt(int offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(offset, BitCount);
        var type = this;
        string name = string.Empty, path = string.Empty;
        while (offset > 0)
        {
            var i = type.MemberIndexContaining(offset);
            offset -= type._memberOffsets[i];
            name = type._members[i].Name;
            path = path.Length == 0 ? name : path + "." + name;
            type = type._members[i].Type;
        }

        return (type, name, path);
    }

    /// <summary>The type of the node at bit offset <paramref name="offset"/> (0 = this); like <see cref="NodeAt"/> without building names.</summary>
    internal PvType TypeAt(int offset)
    {
        if ((uint)offset >= (uint)BitCount)
        {
            throw new ArgumentOutOfRangeException(nameof(offset));
        }

        var type = this;
        while (offset > 0)
        {
            var i = type.MemberIndexContaining(offset);
            offset -= type._memberOffsets[i];
            type = type._members[i].Type;
        }

        return type;
    }

    /// <summary>For a structure: index of the member whose subtree contains relative bit <paramref name="offset"/> (≥ 1).</summary>
    internal int MemberIndexContaining(int offset)
    {
        var offsets = _memberOffsets;
        var lo = 0;
        var hi = offsets.Length - 1;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) >> 1;
            if (offsets[mid] <= offset)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return lo;
    }

    /// <inheritdoc />
    public bool Equals(PvType? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (other is null || other._hash != _hash || other.Kind != Kind || other.ScalarType != ScalarType ||
            other._members.Length != _members.Length || !string.Equals(other.Id, Id, StringComparison.Ordinal) ||
            other.Bound != Bound || other.IsFixedSize != IsFixedSize)
        {
            return false;
        }

        for (var i = 0; i < _members.Length; i++)
        {
            if (!string.Equals(_members[i].Name, other._members[i].Name, StringComparison.Ordinal) ||
                !_members[i].Type.Equals(other._members[i].Type))
            {
                return false;
            }
        }

        return ElementType is null ? other.ElementType is null : ElementType.Equals(other.ElementType);
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as PvType);

    /// <inheritdoc />
    public override int GetHashCode() => _hash;

    /// <summary>The type as <c>pvinfo</c> prints it, one field per line.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        AppendTo(sb, string.Empty, 0);
        return sb.ToString();
    }

    /// <summary>The short type name (<c>double[]</c>, <c>structure</c>, <c>epics:nt/NTScalar:1.0</c>, <c>any</c>).</summary>
    public string TypeName => Kind switch
    {
        TypeKind.Scalar => ScalarType.TypeName(),
        TypeKind.ScalarArray => ScalarType.TypeName() + "[]",
        TypeKind.Structure or TypeKind.Union => DisplayId,
        TypeKind.Variant => "any",
        TypeKind.StructureArray or TypeKind.UnionArray => ElementType!.DisplayId + "[]",
        _ => "any[]",
    };

    internal void AppendTo(StringBuilder sb, string name, int depth)
    {
        sb.Append(' ', depth * 4).Append(TypeName);
        if (name.Length > 0)
        {
            sb.Append(' ').Append(name);
        }

        sb.Append('\n');
        if (Kind is TypeKind.StructureArray or TypeKind.UnionArray)
        {
            // pvinfo prints the element type on its own line below the array, then the element's fields.
            ElementType!.AppendTo(sb, string.Empty, depth + 1);
            return;
        }

        foreach (var m in _members)
        {
            m.Type.AppendTo(sb, m.Name, depth + 1);
        }
    }

    private static string NormalizeId(string? id, string defaultId) =>
        string.IsNullOrEmpty(id) || string.Equals(id, defaultId, StringComparison.Ordinal) ? string.Empty : id;

    private static PvType[] BuildScalarCache(TypeKind kind)
    {
        var cache = new PvType[256];
        foreach (var t in Enum.GetValues<ScalarType>())
        {
            cache[(byte)t] = new PvType(kind, t, string.Empty, [], null, 0, false);
        }

        return cache;
    }
}
