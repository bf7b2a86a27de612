using Epics.Pva.Server;

namespace Epics.Streaming;

/// <summary>Options of <c>pvstream mirror-server</c> (framework.md §1.3).</summary>
public sealed record MirrorServerOptions
{
    /// <summary>-cm/--channel-map: <c>(mirror,source[,provider[,queueSize[,nSourceMonitors,request]]]),...</c>.</summary>
    public string? ChannelMap { get; init; }

    /// <summary>-rt/--runtime seconds for <see cref="MirrorServer.RunAsync"/>; ≤ 0 runs until cancelled.</summary>
    public double Runtime { get; init; }

    /// <summary>-rp/--report-period seconds between counter reports (for the host that prints them); ≤ 0 never.</summary>
    public double ReportPeriod { get; init; }

    /// <summary>How long a source may stay silent at start before it is reported as not found (it is still looked for).</summary>
    public TimeSpan SourceTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Who may put into the mirror records; default anyone (a put is posted to the mirror's clients as an update).</summary>
    public ClientAccessList AllowedClients { get; init; } = ClientAccessList.Anyone;
}
