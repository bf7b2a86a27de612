using System.Net;
using System.Net.Sockets;
using Epics.Pva;

namespace Epics.Ca.Server;

/// <summary>
/// Where a <see cref="CaServer"/> listens and where it sends beacons. Immutable; adjust with <c>with</c>. The
/// environment is only read by <see cref="FromEnvironment"/>, never implicitly.
/// </summary>
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

    /// <summary>Options from the process environment (see <see cref="FromDictionary"/>).</summary>
    /// <exception cref="FormatException">A variable has a malformed value.</exception>
    public static CaServerOptions FromEnvironment() => FromDictionary(EpicsVariables.FromProcess().Values);

    /// <summary>
    /// Options from the variables rsrv reads, each server variable falling back to its client one:
    /// <list type="bullet">
    /// <item><c>EPICS_CAS_INTF_ADDR_LIST</c>: the interface to bind (its first entry).</item>
    /// <item><c>EPICS_CAS_SERVER_PORT</c>, else <c>EPICS_CA_SERVER_PORT</c>: TCP and UDP port.</item>
    /// <item><c>EPICS_CAS_BEACON_PORT</c>, else <c>EPICS_CA_REPEATER_PORT</c> (default 5065): the beacons' port.</item>
    /// <item><c>EPICS_CAS_BEACON_ADDR_LIST</c>, else <c>EPICS_CA_ADDR_LIST</c>: beacon destinations <c>host[:port]</c>;
    /// and when <c>EPICS_CAS_AUTO_BEACON_ADDR_LIST</c>, else <c>EPICS_CA_AUTO_ADDR_LIST</c>, is YES (the default) also
    /// the broadcast address 255.255.255.255.</item>
    /// <item><c>EPICS_CAS_BEACON_PERIOD</c>, else <c>EPICS_CA_BEACON_PERIOD</c>: longest beacon interval.</item>
    /// <item><c>EPICS_CA_MAX_ARRAY_BYTES</c>: raises the largest accepted payload (never below 16 MiB).</item>
    /// </list>
    /// Absent or blank variables keep the defaults; bad values throw <see cref="FormatException"/> naming the variable.
    /// </summary>
    public static CaServerOptions FromDictionary(IReadOnlyDictionary<string, string> variables)
    {
        var env = new EpicsVariables(variables);
        var d = Default;
        var port = env.GetPort("EPICS_CAS_SERVER_PORT", "EPICS_CA_SERVER_PORT");
        var beaconPort = env.GetPort("EPICS_CAS_BEACON_PORT", "EPICS_CA_REPEATER_PORT") ?? 5065;
        if (beaconPort == 0)
        {
            throw new FormatException("EPICS_CA_REPEATER_PORT: '0' is not a port number (1-65535)");
        }

        var beacons = new List<IPEndPoint>();
        foreach (var entry in env.GetList("EPICS_CAS_BEACON_ADDR_LIST", "EPICS_CA_ADDR_LIST") ?? [])
        {
            var (host, p) = EpicsVariables.SplitHostPort(entry, beaconPort, "EPICS_CAS_BEACON_ADDR_LIST");
            beacons.Add(new IPEndPoint(Resolve(host, "EPICS_CAS_BEACON_ADDR_LIST"), p));
        }

        if (env.GetBool("EPICS_CAS_AUTO_BEACON_ADDR_LIST", "EPICS_CA_AUTO_ADDR_LIST") ?? true)
        {
            beacons.Add(new IPEndPoint(IPAddress.Broadcast, beaconPort));
        }

        return d with
        {
            InterfaceAddress = env.GetList("EPICS_CAS_INTF_ADDR_LIST") is [var first, ..] ? Resolve(first, "EPICS_CAS_INTF_ADDR_LIST") : d.InterfaceAddress,
            TcpPort = port ?? d.TcpPort,
            UdpPort = port ?? d.UdpPort,
            BeaconAddresses = [.. beacons.Distinct()],
            BeaconPeriod = env.GetSeconds("EPICS_CAS_BEACON_PERIOD", "EPICS_CA_BEACON_PERIOD") ?? d.BeaconPeriod,
            MaxPayloadBytes = env.GetPositiveNumber("EPICS_CA_MAX_ARRAY_BYTES") is { } max
                ? Math.Max(d.MaxPayloadBytes, (int)Math.Min(int.MaxValue, max))
                : d.MaxPayloadBytes,
        };
    }

    private static IPAddress Resolve(string host, string variable)
    {
        if (IPAddress.TryParse(host, out var address))
        {
            return address;
        }

        try
        {
            return Dns.GetHostAddresses(host).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
                ?? throw new FormatException($"{variable}: '{host}' has no IPv4 address");
        }
        catch (SocketException e)
        {
            throw new FormatException($"{variable}: '{host}' does not resolve: {e.Message}", e);
        }
    }
}
