namespace Epics.Pva.Server;

/// <summary>
/// Resolves channel names to PVs for a <see cref="PvaServer"/> (for PVs made on demand, e.g. a mirror). Consulted
/// for searches and channel creation after the PVs added with <see cref="PvaServer.AddPv"/>.
/// </summary>
public interface IPvSource
{
    /// <summary>The PV for <paramref name="name"/>, or null when this source does not have it.</summary>
    SharedPv? Find(string name);
}
