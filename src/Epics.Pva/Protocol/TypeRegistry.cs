using Epics.Pva.Data;

namespace Epics.Pva.Protocol;

/// <summary>
/// The introspection cache for one direction of one TCP connection (pva-protocol §3.2): keys defined by the peer
/// with 0xFD and referenced with 0xFE. We only ever receive cache codes; we never send them.
/// </summary>
internal sealed class TypeRegistry(PvaLimits? limits = null)
{
    private readonly Dictionary<ushort, PvType> _types = [];
    private long _fields;

    public PvaLimits Limits { get; } = limits ?? PvaLimits.Default;

    public int Count => _types.Count;

    /// <summary>Expanded fields of all cached types (bounded by <see cref="PvaLimits.MaxCachedTypeFields"/>).</summary>
    public long Fields => _fields;

    public void Define(ushort key, PvType type)
    {
        var replaced = _types.TryGetValue(key, out var old) ? old.ExpandedSize : 0;
        var fields = _fields - replaced + type.ExpandedSize;
        if (fields > Limits.MaxCachedTypeFields)
        {
            ProtocolErrors.Throw($"type cache would hold more than {Limits.MaxCachedTypeFields} fields");
        }

        _types[key] = type;
        _fields = fields;
    }

    public PvType Lookup(ushort key) => _types.TryGetValue(key, out var t)
        ? t
        : ProtocolErrors.Throw<PvType>($"type cache reference to unknown id {key}");

    public void Clear()
    {
        _types.Clear();
        _fields = 0;
    }
}
