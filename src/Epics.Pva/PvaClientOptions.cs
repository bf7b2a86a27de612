using Epics.Pva.Transport.Discovery;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Epics.Pva;

/// <summary>
/// Immutable PV Access client configuration; derive variants with <c>with</c>. The defaults match the EPICS
/// environment defaults; <see cref="FromEnvironment"/> reads the usual <c>EPICS_PVA_*</c> variables.
/// </summary>
public sealed record PvaClientOptions
{
    /// <summary>Options with every default (no environment lookup).</summary>
    public static PvaClientOptions Default { get; } = new();

    /// <summary>
    /// Search destinations (<c>EPICS_PVA_ADDR_LIST</c>, default empty): entries <c>host</c>, <c>host:port</c> or
    /// <c>[ipv6]:port</c>, unicast, broadcast or multicast; the port defaults to <see cref="BroadcastPort"/>. Searches
    /// to unicast entries carry the "unicast" flag so that the receiving server fans them out to the other servers on
    /// its host.
    /// </summary>
    public IReadOnlyList<string> AddressList { get; init; } = [];

    /// <summary>
    /// Whether to add the IPv4 broadcast address of every up, non-loopback interface to the search destinations
    /// (<c>EPICS_PVA_AUTO_ADDR_LIST</c>, default <c>YES</c>). Loopback has no broadcast address, so when the
    /// destinations end up empty the client falls back to 127.0.0.1 and 127.255.255.255 (pitfall 22) to still find
    /// local servers.
    /// </summary>
    public bool AutoAddressList { get; init; } = true;

    /// <summary>UDP port of searches and beacons (<c>EPICS_PVA_BROADCAST_PORT</c>, default 5076).</summary>
    public int BroadcastPort { get; init; } = 5076;

    /// <summary>Default TCP server port, used for name servers given without a port (<c>EPICS_PVA_SERVER_PORT</c>, default 5075).</summary>
    public int ServerPort { get; init; } = 5075;

    /// <summary>
    /// TCP name servers <c>host[:port]</c> (<c>EPICS_PVA_NAME_SERVERS</c>, default empty): the client keeps a TCP
    /// connection to each and sends its searches there too (pva-protocol §5.9).
    /// </summary>
    public IReadOnlyList<string> NameServers { get; init; } = [];

    /// <summary>
    /// Inactivity timeout of a TCP connection: 4/3 × <c>EPICS_PVA_CONN_TMO</c> like pvxs and pvAccessCPP (default
    /// 30 s → 40 s). Echoes are sent well within it.
    /// </summary>
    public TimeSpan ConnectionTimeout { get; init; } = TimeSpan.FromSeconds(40);

    /// <summary>Bounds on what a peer may make one connection spend (decoded type and message sizes); see <see cref="PvaLimits"/>.</summary>
    public PvaLimits Limits { get; init; } = PvaLimits.Default;

    /// <summary>
    /// Longest wait for a TCP connection to a server or a name server to be accepted (default 5 s; name servers 10 s,
    /// see <see cref="NameServerConnectTimeout"/>).
    /// </summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest wait, once connected, for the server's validation handshake to complete (default 5 s).</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Longest period between echoes on an idle connection (default 15 s, like pvxs); the client echoes at the smaller
    /// of this and a third of <see cref="ConnectionTimeout"/>. Name-server connections echo at this period too.
    /// </summary>
    public TimeSpan EchoPeriod { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Longest wait for a server's reply to CREATE_CHANNEL before the channel gives up on that server and searches
    /// again (default 10 s).
    /// </summary>
    public TimeSpan CreateChannelTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Pause before a channel searches again after a server refused it or could not be reached (default 2 s), so a
    /// failing server does not cause a tight loop.
    /// </summary>
    public TimeSpan ChannelRetryDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Interval between the first and second search for a name; it doubles after each unanswered search up to
    /// <see cref="SearchMaxInterval"/> (default 1 s).
    /// </summary>
    public TimeSpan SearchFirstInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest interval between searches for a name not found yet (default 30 s).</summary>
    public TimeSpan SearchMaxInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A beacon from a new or restarted server triggers an immediate search for the unresolved names at most this often
    /// (default 1 s).
    /// </summary>
    public TimeSpan BeaconSearchHoldOff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait for the TCP connection to a name server (default 10 s).</summary>
    public TimeSpan NameServerConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Pause before reconnecting to a lost name server; it doubles after each failed attempt up to
    /// <see cref="NameServerMaxReconnectDelay"/> (default 2 s).
    /// </summary>
    public TimeSpan NameServerReconnectDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Longest pause between attempts to reconnect to a name server (default 30 s).</summary>
    public TimeSpan NameServerMaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The user name this client claims in "ca" authentication (default: the OS user). Servers may grant or refuse
    /// puts by it; it is a claim, not a proof (nothing checks it without TLS).
    /// </summary>
    public string UserName { get; init; } = Environment.UserName;

    /// <summary>The host name this client claims in "ca" authentication (default: the machine name).</summary>
    public string HostName { get; init; } = Environment.MachineName;

    /// <summary>Logging; default <see cref="NullLoggerFactory.Instance"/>.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>Clock and timers (tests substitute a fake); default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Options from the process environment's <c>EPICS_PVA_*</c> variables; unset ones keep their defaults.</summary>
    /// <exception cref="ArgumentException">A variable has a malformed value.</exception>
    public static PvaClientOptions FromEnvironment() => FromDictionary(EnvironmentConfig.FromProcess());

    /// <summary>Options from a dictionary of <c>EPICS_PVA_*</c> variables (as <see cref="FromEnvironment"/>).</summary>
    /// <exception cref="ArgumentException">A variable has a malformed value.</exception>
    public static PvaClientOptions FromDictionary(IReadOnlyDictionary<string, string> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var d = Default;
        return new PvaClientOptions
        {
            AddressList = EnvironmentConfig.GetList(variables, "EPICS_PVA_ADDR_LIST") ?? d.AddressList,
            AutoAddressList = EnvironmentConfig.GetBool(variables, "EPICS_PVA_AUTO_ADDR_LIST") ?? d.AutoAddressList,
            BroadcastPort = EnvironmentConfig.GetPort(variables, "EPICS_PVA_BROADCAST_PORT") ?? d.BroadcastPort,
            ServerPort = EnvironmentConfig.GetPort(variables, "EPICS_PVA_SERVER_PORT") ?? d.ServerPort,
            NameServers = EnvironmentConfig.GetList(variables, "EPICS_PVA_NAME_SERVERS") ?? d.NameServers,
            ConnectionTimeout = EnvironmentConfig.GetSeconds(variables, "EPICS_PVA_CONN_TMO") * 4 / 3 ?? d.ConnectionTimeout,
        };
    }
}
