using Epics.Pva.Data;

namespace Epics.Pva.Protocol;

/// <summary>
/// The introspection cache for one direction of one TCP connection (pva-protocol §3.2): keys defined by the peer
/// with 0xFD and referenced with 0xFE. We only ever receive cache codes; we never send them.
/// </summary>
internal sealed class TypeRegistry
{
    private readonly Dictionary<ushort, PvType> _types = [];

    public int Count => _types.Count;

    public void Define(ushort key, PvType type) => _types[key] = type;

    public PvType Lookup(ushort key) => _types.TryGetValue(key, out var t)
        ? t
        : ProtocolErrors.Throw<PvType>($"type cache reference to unknown id {key}");

    public void Clear() => _types.Clear();
}
