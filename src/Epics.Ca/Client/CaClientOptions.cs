using System.Collections;
using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

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
    public static CaClientOptions FromEnvironment()
    {
        var vars = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            if (e.Key is string k && k.StartsWith("EPICS_CA", StringComparison.Ordinal) && e.Value is string v)
            {
                vars[k] = v;
            }
        }

        return FromDictionary(vars);
    }

    /// <summary>
    /// Options from EPICS_CA_ADDR_LIST, EPICS_CA_AUTO_ADDR_LIST, EPICS_CA_SERVER_PORT, EPICS_CA_REPEATER_PORT,
    /// EPICS_CA_CONN_TMO, EPICS_CA_MAX_SEARCH_PERIOD and EPICS_CA_MAX_ARRAY_BYTES; absent or empty ones keep defaults.
    /// Bad values throw <see cref="FormatException"/> naming the variable.
    /// </summary>
    public static CaClientOptions FromDictionary(IReadOnlyDictionary<string, string> variables)
    {
        string? Get(string key) => variables.TryGetValue(key, out var v) && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;
        var o = new CaClientOptions();
        if (Get("EPICS_CA_ADDR_LIST") is { } list)
        {
            o = o with { AddressList = list.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries) };
        }

        if (Get("EPICS_CA_AUTO_ADDR_LIST") is { } auto)
        {
            o = o with
            {
                AutoAddressList = auto.ToUpperInvariant() switch
                {
                    "YES" or "TRUE" or "1" => true,
                    "NO" or "FALSE" or "0" => false,
                    _ => throw new FormatException($"EPICS_CA_AUTO_ADDR_LIST='{auto}' is not YES or NO"),
                },
            };
        }

        if (Get("EPICS_CA_SERVER_PORT") is { } sp)
        {
            o = o with { ServerPort = ParsePort("EPICS_CA_SERVER_PORT", sp) };
        }

        if (Get("EPICS_CA_REPEATER_PORT") is { } rp)
        {
            o = o with { RepeaterPort = ParsePort("EPICS_CA_REPEATER_PORT", rp) };
        }

        if (Get("EPICS_CA_CONN_TMO") is { } tmo)
        {
            o = o with { EchoIdleTime = TimeSpan.FromSeconds(ParsePositive("EPICS_CA_CONN_TMO", tmo)) };
        }

        if (Get("EPICS_CA_MAX_SEARCH_PERIOD") is { } msp)
        {
            o = o with { MaxSearchInterval = TimeSpan.FromSeconds(ParsePositive("EPICS_CA_MAX_SEARCH_PERIOD", msp)) };
        }

        if (Get("EPICS_CA_MAX_ARRAY_BYTES") is { } mab)
        {
            o = o with { MaxArrayBytes = Math.Max(o.MaxArrayBytes, (int)Math.Min(int.MaxValue, ParsePositive("EPICS_CA_MAX_ARRAY_BYTES", mab))) };
        }

        return o;
    }

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

    private static (string Host, int Port) SplitHostPort(string entry, int defaultPort)
    {
        var colon = entry.LastIndexOf(':');
        return colon < 0 ? (entry, defaultPort) : (entry[..colon], ParsePort("EPICS_CA_ADDR_LIST", entry[(colon + 1)..]));
    }

    private static int ParsePort(string name, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is > 0 and <= 65535
            ? p
            : throw new FormatException($"{name}='{text}' is not a port number");

    private static double ParsePositive(string name, string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0
            ? v
            : throw new FormatException($"{name}='{text}' is not a positive number");
}
