namespace Epics.Streaming;

/// <summary>The protocol a mirrored source is read with.</summary>
public enum MirrorProvider
{
    /// <summary>PV Access.</summary>
    Pva,

    /// <summary>Channel Access.</summary>
    Ca,
}
