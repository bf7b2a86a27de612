using Epics.Pva.Transport.Discovery;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Epics.Pva;

/// <summary>
/// Immutable PV Access server configuration; derive variants with <c>with</c>. The defaults match the EPICS
/// environment defaults; <see cref="FromEnvironment"/> reads the <c>EPICS_PVAS_*</c> variables, falling back to the
/// <c>EPICS_PVA_*</c> ones as pvAccessCPP and pvxs do. Use <see cref="Isolated"/> for tests.
/// </summary>
public sealed record PvaServerOptions
{
    /// <summary>Options with every default (no environment lookup).</summary>
    public static PvaServerOptions Default { get; } = new();

    /// <summary>
    /// Local addresses the TCP listener and the UDP search socket bind (<c>EPICS_PVAS_INTF_ADDR_LIST</c>, default
    /// <c>0.0.0.0</c>). Only a socket bound to 0.0.0.0 also receives broadcasts and the local multicast fan-out.
    /// </summary>
    public IReadOnlyList<string> InterfaceAddresses { get; init; } = ["0.0.0.0"];

    /// <summary>
    /// TCP port (<c>EPICS_PVAS_SERVER_PORT</c>, else <c>EPICS_PVA_SERVER_PORT</c>, default 5075). If it is taken the
    /// server falls back to an ephemeral port like pvxs (searches and beacons carry the real port); 0 = ephemeral.
    /// </summary>
    public int ServerPort { get; init; } = 5075;

    /// <summary>
    /// UDP port for searches and beacons (<c>EPICS_PVAS_BROADCAST_PORT</c>, else <c>EPICS_PVA_BROADCAST_PORT</c>,
    /// default 5076); shared with the other servers of the host (address reuse). 0 = ephemeral (tests).
    /// </summary>
    public int BroadcastPort { get; init; } = 5076;

    /// <summary>
    /// Beacon destinations <c>host[:port]</c> (<c>EPICS_PVAS_BEACON_ADDR_LIST</c>, else <c>EPICS_PVA_ADDR_LIST</c>,
    /// default empty); the port defaults to <see cref="BroadcastPort"/>.
    /// </summary>
    public IReadOnlyList<string> BeaconAddressList { get; init; } = [];

    /// <summary>
    /// Whether beacons also go to the broadcast address of every up interface (<c>EPICS_PVAS_AUTO_BEACON_ADDR_LIST</c>,
    /// else <c>EPICS_PVA_AUTO_ADDR_LIST</c>, default <c>YES</c>).
    /// </summary>
    public bool AutoBeaconAddressList { get; init; } = true;

    /// <summary>
    /// Period of the first <see cref="FastBeaconCount"/> beacons (<c>EPICS_PVAS_BEACON_PERIOD</c>, else
    /// <c>EPICS_PVA_BEACON_PERIOD</c>, default 15 s).
    /// </summary>
    public TimeSpan BeaconPeriod { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Beacons sent at <see cref="BeaconPeriod"/> before slowing down (default 10, like pvxs and pvAccessCPP).</summary>
    public int FastBeaconCount { get; init; } = 10;

    /// <summary>Beacon period after the first <see cref="FastBeaconCount"/> (default 180 s).</summary>
    public TimeSpan SlowBeaconPeriod { get; init; } = TimeSpan.FromSeconds(180);

    /// <summary>Whether to answer UDP searches and send beacons at all (TCP searches are always answered). Default true.</summary>
    public bool EnableUdp { get; init; } = true;

    /// <summary>Inactivity timeout of a TCP connection: 4/3 × <c>EPICS_PVA_CONN_TMO</c> (default 30 s → 40 s).</summary>
    public TimeSpan ConnectionTimeout { get; init; } = TimeSpan.FromSeconds(40);

    /// <summary>
    /// Bounds on what a peer may make one connection spend (decoded type and message sizes, unsent replies, channels,
    /// operations, monitor queues); see <see cref="PvaLimits"/>.
    /// </summary>
    public PvaLimits Limits { get; init; } = PvaLimits.Default;

    /// <summary>Logging; default <see cref="NullLoggerFactory.Instance"/>.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>Clock and timers (tests substitute a fake); default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// A server that only the local test process sees: bound to 127.0.0.1, ephemeral TCP and UDP ports, no beacons
    /// (like pvxs <c>Config::isolated()</c>). Point a client at it with <see cref="CreateClientOptions"/>.
    /// </summary>
    public static PvaServerOptions Isolated() => new()
    {
        InterfaceAddresses = ["127.0.0.1"],
        ServerPort = 0,
        BroadcastPort = 0,
        BeaconAddressList = [],
        AutoBeaconAddressList = false,
    };

    /// <summary>Options from the process environment (see the property docs for the variables).</summary>
    /// <exception cref="ArgumentException">A variable has a malformed value.</exception>
    public static PvaServerOptions FromEnvironment() => FromDictionary(EnvironmentConfig.FromProcess());

    /// <summary>Options from a dictionary of <c>EPICS_*</c> variables (as <see cref="FromEnvironment"/>).</summary>
    /// <exception cref="ArgumentException">A variable has a malformed value.</exception>
    public static PvaServerOptions FromDictionary(IReadOnlyDictionary<string, string> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var d = Default;
        return new PvaServerOptions
        {
            InterfaceAddresses = EnvironmentConfig.GetList(variables, "EPICS_PVAS_INTF_ADDR_LIST") ?? d.InterfaceAddresses,
            ServerPort = EnvironmentConfig.GetPort(variables, "EPICS_PVAS_SERVER_PORT", "EPICS_PVA_SERVER_PORT") ?? d.ServerPort,
            BroadcastPort = EnvironmentConfig.GetPort(variables, "EPICS_PVAS_BROADCAST_PORT", "EPICS_PVA_BROADCAST_PORT") ?? d.BroadcastPort,
            BeaconAddressList = EnvironmentConfig.GetList(variables, "EPICS_PVAS_BEACON_ADDR_LIST", "EPICS_PVA_ADDR_LIST") ?? d.BeaconAddressList,
            AutoBeaconAddressList = EnvironmentConfig.GetBool(variables, "EPICS_PVAS_AUTO_BEACON_ADDR_LIST", "EPICS_PVA_AUTO_ADDR_LIST")
                ?? d.AutoBeaconAddressList,
            BeaconPeriod = EnvironmentConfig.GetSeconds(variables, "EPICS_PVAS_BEACON_PERIOD", "EPICS_PVA_BEACON_PERIOD") ?? d.BeaconPeriod,
            ConnectionTimeout = EnvironmentConfig.GetSeconds(variables, "EPICS_PVA_CONN_TMO") * 4 / 3 ?? d.ConnectionTimeout,
        };
    }

    /// <summary>
    /// Client options that see only a server started with these options, given the ports it actually bound:
    /// searches go unicast to 127.0.0.1:<paramref name="udpPort"/> with the automatic list off. Logging and clock are
    /// shared with this server.
    /// </summary>
    public PvaClientOptions CreateClientOptions(int udpPort, int tcpPort) => new()
    {
        AddressList = [$"127.0.0.1:{udpPort}"],
        AutoAddressList = false,
        BroadcastPort = udpPort,
        ServerPort = tcpPort,
        NameServers = [],
        ConnectionTimeout = ConnectionTimeout,
        LoggerFactory = LoggerFactory,
        TimeProvider = TimeProvider,
    };
}
