using System.Net;

namespace Epics.Pva.Server;

/// <summary>
/// Which clients may write a PV, by the identity PVA's "ca" authentication carries (as EPICS access security's user and
/// host groups do). An empty list allows everyone on that count. A user entry matches the claimed user name exactly; a
/// host entry that is an IP address matches the client's address, any other host entry matches the claimed host name
/// (case-insensitively). Without TLS user and host name are claims nothing verifies; only the address is what the
/// connection shows.
/// </summary>
public sealed record ClientAccessList
{
    /// <summary>No restriction.</summary>
    public static ClientAccessList Anyone { get; } = new();

    /// <summary>User names allowed; empty: any user.</summary>
    public IReadOnlyList<string> Users { get; init; } = [];

    /// <summary>Host names or IP addresses allowed; empty: any host.</summary>
    public IReadOnlyList<string> Hosts { get; init; } = [];

    /// <summary>Whether everyone is allowed.</summary>
    public bool IsOpen => Users.Count == 0 && Hosts.Count == 0;

    /// <summary>A list from comma-separated users and hosts (either null or empty for no restriction on it).</summary>
    public static ClientAccessList Parse(string? users, string? hosts) => new() { Users = Split(users), Hosts = Split(hosts) };

    /// <summary>Why <paramref name="request"/> is refused, or null when it is allowed.</summary>
    public string? Refusal(PvPutRequest request) => Refusal(request.User, request.Host, request.Peer);

    /// <summary>Why a client claiming <paramref name="user"/> on <paramref name="host"/> from <paramref name="peer"/> is refused, or null.</summary>
    public string? Refusal(string? user, string? host, IPEndPoint peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        if (Users.Count > 0 && (user is null || !Users.Contains(user, StringComparer.Ordinal)))
        {
            return $"access denied: user '{user ?? "(anonymous)"}' is not allowed";
        }

        if (Hosts.Count > 0 && !Hosts.Any(h => MatchesHost(h, host, peer.Address)))
        {
            return $"access denied: host '{host ?? "(anonymous)"}' at {peer.Address} is not allowed";
        }

        return null;
    }

    private static bool MatchesHost(string entry, string? host, IPAddress address)
    {
        if (IPAddress.TryParse(entry, out var allowed))
        {
            var actual = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
            return actual.Equals(allowed.IsIPv4MappedToIPv6 ? allowed.MapToIPv4() : allowed);
        }

        return host is not null && string.Equals(entry, host, StringComparison.OrdinalIgnoreCase);
    }

    private static string[] Split(string? list) =>
        list?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
}
