using System.Diagnostics;
using System.Net;

namespace Epics.Pva.Transport.Discovery;

/// <summary>
/// The searches answered in the last second, so one that arrives several times (directly and through the local
/// fan-out) is answered once. A client's next search round carries a new search id, so nothing real is suppressed.
/// </summary>
internal sealed class RecentAnswers
{
    private const int Capacity = 64;
    private static readonly long Window = Stopwatch.Frequency;

    private readonly (uint SearchId, int Channels, IPEndPoint? To, long At)[] _ring = new (uint, int, IPEndPoint?, long)[Capacity];
    private int _next;

    /// <summary>
    /// True (and remembered) unless the same search (id and a hash of its channels) to the same client was answered
    /// within the last second.
    /// </summary>
    public bool TryAdd(uint searchId, int channels, IPEndPoint to)
    {
        var now = Stopwatch.GetTimestamp();
        lock (_ring)
        {
            foreach (var (id, hash, where, at) in _ring)
            {
                if (where is not null && id == searchId && hash == channels && now - at < Window && where.Equals(to))
                {
                    return false;
                }
            }

            _ring[_next] = (searchId, channels, to, now);
            _next = (_next + 1) % Capacity;
            return true;
        }
    }
}
