namespace Epics.Streaming;

/// <summary>Options of <c>pvstream mirror-server</c> (framework.md §1.3).</summary>
public sealed record MirrorServerOptions
{
    /// <summary>-cm/--channel-map: <c>(mirror,source[,provider[,queueSize[,nSourceMonitors,request]]]),...</c>.</summary>
    public string? ChannelMap { get; init; }

    /// <summary>-rt/--runtime seconds; ≤ 0 runs until cancelled.</summary>
    public double Runtime { get; init; }

    /// <summary>-rp/--report-period seconds between counter reports; ≤ 0 never.</summary>
    public double ReportPeriod { get; init; }
}
