namespace Epics.Streaming;

/// <summary>A change in the state of a mirrored source (<see cref="MirrorServer.SourceChanged"/>).</summary>
/// <param name="MirrorName">The mirror channel.</param>
/// <param name="SourceName">Its source channel.</param>
/// <param name="State">The new state.</param>
/// <param name="Detail">Why, when there is more to say (an error message), else null.</param>
public sealed record MirrorSourceEvent(string MirrorName, string SourceName, MirrorSourceState State, string? Detail = null);

/// <summary>The state of a mirrored source as the mirror sees it.</summary>
public enum MirrorSourceState
{
    /// <summary>The source sent its first value (again): the mirror record is served.</summary>
    Connected,

    /// <summary>The source has not answered within <see cref="MirrorServerOptions.SourceTimeout"/>; the mirror keeps looking.</summary>
    NotFound,

    /// <summary>The source went away: the mirror record has no value until the source returns (its monitors wait).</summary>
    Disconnected,

    /// <summary>The source refused the monitor (bad request, no read access): that monitor gives up.</summary>
    Failed,
}
