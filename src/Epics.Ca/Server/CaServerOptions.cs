using System.Net;

namespace Epics.Ca.Server;

/// <summary>Where a <see cref="CaServer"/> listens and where it sends beacons. Immutable; adjust with <c>with</c>.</summary>
public sealed record CaServerOptions
{
    /// <summary>Listen on every interface, the standard ports 5064 (TCP and UDP), beacons to 255.255.255.255:5065.</summary>
    public static CaServerOptions Default { get; } = new();

    /// <summary>The interface to bind (TCP and UDP).</summary>
    public IPAddress InterfaceAddress { get; init; } = IPAddress.Any;

    /// <summary>TCP port for circuits; 0 picks a free one.</summary>
    public int TcpPort { get; init; } = 5064;

    /// <summary>UDP port answering searches (several servers may share it: it is bound with address reuse); 0 picks a free one.</summary>
    public int UdpPort { get; init; } = 5064;

    /// <summary>Where RSRV_IS_UP beacons go (normally the broadcast addresses at the repeater port 5065).</summary>
    public IReadOnlyList<IPEndPoint> BeaconAddresses { get; init; } = [new IPEndPoint(IPAddress.Broadcast, 5065)];

    /// <summary>Longest beacon interval; beacons start at 20 ms and double up to this (EPICS_CAS_BEACON_PERIOD).</summary>
    public TimeSpan BeaconPeriod { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Largest payload accepted from a client; a bigger header closes the circuit as malformed.</summary>
    public int MaxPayloadBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>
    /// Replies (read, write and error replies) that may wait for a client before the circuit stops reading its requests
    /// (default 4 MiB). Monitor updates do not count: each subscription holds at most its newest update.
    /// </summary>
    public long MaxQueuedReplyBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>
    /// A circuit that has no channel and sends nothing for this long is closed (default 60 s; clients that connect
    /// and never create a channel would otherwise hold a socket forever). Circuits with channels rely on TCP keepalive.
    /// </summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// For tests: 127.0.0.1 only, ephemeral TCP and UDP ports, no beacons. Several isolated servers can run at once.
    /// </summary>
    public static CaServerOptions Isolated() => new()
    {
        InterfaceAddress = IPAddress.Loopback,
        TcpPort = 0,
        UdpPort = 0,
        BeaconAddresses = [],
    };
}
