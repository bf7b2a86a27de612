using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Epics.Pva;

namespace Epics.Ca.Client;

/// <summary>
/// How a <see cref="CaClient"/> finds and talks to servers. Immutable; adjust with <c>with</c>. The environment is only
/// read by <see cref="FromEnvironment"/>, never implicitly.
/// </summary>
public sealed record CaClientOptions
{
    /// <summary>Standard ports, broadcast search on every interface, no explicit addresses.</summary>
    public static CaClientOptions Default { get; } = new();

    /// <summary>Search destinations, <c>host[:port]</c> (EPICS_CA_ADDR_LIST); the port defaults to <see cref="ServerPort"/>.</summary>
    public IReadOnlyList<string> AddressList { get; init; } = [];

    /// <summary>Also search on the broadcast address of every IPv4 interface (EPICS_CA_AUTO_ADDR_LIST).</summary>
    public bool AutoAddressList { get; init; } = true;

    /// <summary>UDP port servers listen on for searches (EPICS_CA_SERVER_PORT).</summary>
    public int ServerPort { get; init; } = 5064;

    /// <summary>
    /// The local caRepeater's UDP port (EPICS_CA_REPEATER_PORT). The client registers there so that forwarded beacons
    /// of new or restarted servers trigger an immediate re-search; 0 disables registration.
    /// </summary>
    public int RepeaterPort { get; init; } = 5065;

    /// <summary>How long a get/put/connect waits for its channel to connect before a <see cref="CaTimeoutException"/>.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Silence on a circuit after which an ECHO is sent (EPICS_CA_CONN_TMO).</summary>
    public TimeSpan EchoIdleTime { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an ECHO may stay unanswered before the circuit is dropped and its channels re-searched.</summary>
    public TimeSpan EchoTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest interval between repeated searches for one channel (EPICS_CA_MAX_SEARCH_PERIOD caps it).</summary>
    public TimeSpan MaxSearchInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Largest message payload accepted (EPICS_CA_MAX_ARRAY_BYTES, at least 16 MiB here).</summary>
    public int MaxArrayBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>Updates a monitor buffers before dropping the oldest.</summary>
    public int MonitorQueueSize { get; init; } = 64;

    /// <summary>User name sent in CLIENT_NAME.</summary>
    public string ClientName { get; init; } = Environment.UserName;

    /// <summary>Host name sent in HOST_NAME.</summary>
    public string HostName { get; init; } = Environment.MachineName;

    /// <summary>Options from the process environment (EPICS_CA_*).</summary>
    /// <exception cref="FormatException">A variable has a malformed value.</exception>
    public static CaClientOptions FromEnvironment() => FromDictionary(EpicsVariables.FromProcess().Values);

    /// <summary>
    /// Options from EPICS_CA_ADDR_LIST, EPICS_CA_AUTO_ADDR_LIST, EPICS_CA_SERVER_PORT, EPICS_CA_REPEATER_PORT,
    /// EPICS_CA_CONN_TMO, EPICS_CA_MAX_SEARCH_PERIOD and EPICS_CA_MAX_ARRAY_BYTES (read by <see cref="EpicsVariables"/>);
    /// absent or empty ones keep defaults. Bad values throw <see cref="FormatException"/> naming the variable.
    /// </summary>
    public static CaClientOptions FromDictionary(IReadOnlyDictionary<string, string> variables)
    {
        var env = new EpicsVariables(variables);
        var d = new CaClientOptions();
        return d with
        {
            AddressList = env.GetList("EPICS_CA_ADDR_LIST") ?? d.AddressList,
            AutoAddressList = env.GetBool("EPICS_CA_AUTO_ADDR_LIST") ?? d.AutoAddressList,
            ServerPort = NonZero(env.GetPort("EPICS_CA_SERVER_PORT"), "EPICS_CA_SERVER_PORT") ?? d.ServerPort,
            RepeaterPort = NonZero(env.GetPort("EPICS_CA_REPEATER_PORT"), "EPICS_CA_REPEATER_PORT") ?? d.RepeaterPort,
            EchoIdleTime = env.GetSeconds("EPICS_CA_CONN_TMO") ?? d.EchoIdleTime,
            MaxSearchInterval = env.GetSeconds("EPICS_CA_MAX_SEARCH_PERIOD") ?? d.MaxSearchInterval,
            MaxArrayBytes = env.GetPositiveNumber("EPICS_CA_MAX_ARRAY_BYTES") is { } mab
                ? Math.Max(d.MaxArrayBytes, (int)Math.Min(int.MaxValue, mab))
                : d.MaxArrayBytes,
        };
    }

    // A CA client cannot search or register on "any port".
    private static int? NonZero(int? port, string name) =>
        port == 0 ? throw new FormatException($"{name}: '0' is not a port number (1-65535)") : port;

    /// <summary>The search destinations: the address list (hosts resolved) plus, if enabled, interface broadcast addresses.</summary>
    public IReadOnlyList<IPEndPoint> ResolveSearchDestinations()
    {
        var result = new List<IPEndPoint>();
        foreach (var entry in AddressList)
        {
            var (host, port) = SplitHostPort(entry, ServerPort);
            var address = IPAddress.TryParse(host, out var ip)
                ? ip
                : Dns.GetHostAddresses(host).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
                  ?? throw new FormatException($"EPICS_CA_ADDR_LIST entry '{entry}' does not resolve to an IPv4 address");
            result.Add(new IPEndPoint(address, port));
        }

        if (AutoAddressList)
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
            {
                if (nic.OperationalStatus != OperationalStatus.Up || nic.NetworkInterfaceType == NetworkInterfaceType.Loopback)
                {
                    continue;
                }

                foreach (var u in nic.GetIPProperties().UnicastAddresses)
                {
                    if (u.Address.AddressFamily != AddressFamily.InterNetwork || u.IPv4Mask is null || IPAddress.IsLoopback(u.Address))
                    {
                        continue;
                    }

                    var a = u.Address.GetAddressBytes();
                    var m = u.IPv4Mask.GetAddressBytes();
                    for (var i = 0; i < 4; i++)
                    {
                        a[i] |= (byte)~m[i];
                    }

                    var broadcast = new IPEndPoint(new IPAddress(a), ServerPort);
                    if (!result.Contains(broadcast))
                    {
                        result.Add(broadcast);
                    }
                }
            }
        }

        return result;
    }

    private static (string Host, int Port) SplitHostPort(string entry, int defaultPort) =>
        EpicsVariables.SplitHostPort(entry, defaultPort, "EPICS_CA_ADDR_LIST");
}
