namespace Epics.Pva.Server;

/// <summary>
/// Resolves channel names to PVs for a <see cref="PvaServer"/> (for PVs made on demand, e.g. a mirror). Consulted
/// for searches and channel creation after the PVs added with <see cref="PvaServer.AddPv"/>. Implement
/// <see cref="Find"/> for a source of <see cref="SharedPv"/>s, or <see cref="FindPv"/> for one of custom
/// <see cref="ServerPv"/> kinds.
/// </summary>
public interface IPvSource
{
    /// <summary>The shared PV for <paramref name="name"/>, or null when this source does not have it.</summary>
    SharedPv? Find(string name) => null;

    /// <summary>The PV for <paramref name="name"/>, or null (the server asks this one; by default <see cref="Find"/>).</summary>
    ServerPv? FindPv(string name) => Find(name);
}
