using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Epics.Pva.Transport.Discovery;

/// <summary>Address-list entries (<c>host</c>, <c>host:port</c>, <c>[ipv6]:port</c>) and the host's IPv4 broadcast addresses.</summary>
internal static class DiscoveryAddresses
{
    /// <summary>The group every PVA UDP endpoint joins on loopback for the local fan-out (pva-protocol §5.8).</summary>
    public static readonly IPAddress LocalMulticastGroup = IPAddress.Parse("224.0.0.128");

    public static readonly IPAddress LoopbackBroadcast = IPAddress.Parse("127.255.255.255");

    /// <summary>Splits an entry into host and port (the default when absent). Throws on a malformed entry.</summary>
    public static (string Host, int Port) ParseEntry(string entry, int defaultPort)
    {
        var text = entry.Trim();

        // pvxs extensions ",TTL" and "@iface" only matter for multicast sending; we ignore them.
        var cut = text.IndexOfAny([',', '@']);
        if (cut >= 0)
        {
            text = text[..cut];
        }

        string host;
        string? port = null;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw new ArgumentException($"address '{entry}': missing ']'");
            }

            host = text[1..close];
            if (close + 1 < text.Length)
            {
                if (text[close + 1] != ':')
                {
                    throw new ArgumentException($"address '{entry}': expected ':' after ']'");
                }

                port = text[(close + 2)..];
            }
        }
        else if (text.Count(c => c == ':') == 1)
        {
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            host = text[..colon];
            port = text[(colon + 1)..];
        }
        else
        {
            host = text;
        }

        if (host.Length == 0)
        {
            throw new ArgumentException($"address '{entry}': no host");
        }

        var value = defaultPort;
        if (port is not null && (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out value) || value is 0 or > 65535))
        {
            throw new ArgumentException($"address '{entry}': '{port}' is not a port number");
        }

        return (host, value);
    }

    /// <summary>Resolves entries to IPv4 endpoints, logging (via <paramref name="onError"/>) and skipping the ones that fail.</summary>
    public static async Task<List<IPEndPoint>> ResolveAsync(
        IEnumerable<string> entries, int defaultPort, Action<string, Exception> onError, CancellationToken cancellationToken)
    {
        var result = new List<IPEndPoint>();
        foreach (var entry in entries)
        {
            try
            {
                var (host, port) = ParseEntry(entry, defaultPort);
                if (!IPAddress.TryParse(host, out var address))
                {
                    var all = await Dns.GetHostAddressesAsync(host, AddressFamily.InterNetwork, cancellationToken).ConfigureAwait(false);
                    address = all.FirstOrDefault() ?? throw new SocketException((int)SocketError.HostNotFound);
                }

                if (address.IsIPv4MappedToIPv6)
                {
                    address = address.MapToIPv4();
                }

                if (address.AddressFamily != AddressFamily.InterNetwork)
                {
                    throw new NotSupportedException("only IPv4 destinations are supported");
                }

                var ep = new IPEndPoint(address, port);
                if (!result.Contains(ep))
                {
                    result.Add(ep);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                onError(entry, ex);
            }
        }

        return result;
    }

    /// <summary>
    /// IPv4 broadcast addresses of the up interfaces. Loopback is left out of the automatic list (it has no broadcast
    /// address in the OS list) but included when <paramref name="includeLoopback"/>, for telling broadcast from unicast.
    /// </summary>
    public static List<IPAddress> GetBroadcastAddresses(bool includeLoopback)
    {
        var result = new List<IPAddress>();
        try
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
            {
                if (nic.OperationalStatus != OperationalStatus.Up && nic.NetworkInterfaceType != NetworkInterfaceType.Loopback)
                {
                    continue;
                }

                var loopback = nic.NetworkInterfaceType == NetworkInterfaceType.Loopback;
                if (loopback && !includeLoopback)
                {
                    continue;
                }

                foreach (var u in nic.GetIPProperties().UnicastAddresses)
                {
                    if (u.Address.AddressFamily != AddressFamily.InterNetwork || u.IPv4Mask is null || u.PrefixLength >= 31)
                    {
                        continue;
                    }

                    var addr = u.Address.GetAddressBytes();
                    var mask = u.IPv4Mask.GetAddressBytes();
                    var bcast = new byte[4];
                    for (var i = 0; i < 4; i++)
                    {
                        bcast[i] = (byte)(addr[i] | ~mask[i]);
                    }

                    var b = new IPAddress(bcast);
                    if (!result.Contains(b))
                    {
                        result.Add(b);
                    }
                }
            }
        }
        catch (NetworkInformationException)
        {
            // No interface information on this platform: the caller falls back to loopback.
        }

        if (includeLoopback && !result.Contains(LoopbackBroadcast))
        {
            result.Add(LoopbackBroadcast);
        }

        return result;
    }

    /// <summary>Whether a destination is unicast (not broadcast, not multicast): such searches carry the 0x80 flag.</summary>
    public static bool IsUnicast(IPAddress address, IReadOnlyCollection<IPAddress> broadcasts)
    {
        if (address.Equals(IPAddress.Broadcast) || broadcasts.Contains(address))
        {
            return false;
        }

        var b = address.GetAddressBytes();
        return address.AddressFamily != AddressFamily.InterNetwork || b[0] is < 224 or > 239;
    }
}
