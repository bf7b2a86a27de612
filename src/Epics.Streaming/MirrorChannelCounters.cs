namespace Epics.Streaming;

/// <summary>Counters of one mirror channel (framework.md §10.3, counted per channel).</summary>
/// <param name="NReceived">Updates received from the source, minus the K − 1 initial duplicates.</param>
/// <param name="NOverruns">Source updates that reported overruns (squashed on the way).</param>
public readonly record struct MirrorChannelCounters(long NReceived, long NOverruns)
{
    /// <summary>As the reference prints it: <c>{'nReceived': N, 'nOverruns': M}</c>.</summary>
    public override string ToString() => $"{{'nReceived': {NReceived}, 'nOverruns': {NOverruns}}}";
}
