namespace Epics.Pva.Transport;

/// <summary>
/// Lets at most <c>burst</c> log lines through per window and counts the rest, so that a peer sending bad input in a
/// loop cannot flood the log. The first line after a quiet window reports how many were suppressed.
/// </summary>
internal sealed class LogRateLimiter(int burst, TimeSpan window, TimeProvider timeProvider)
{
    private readonly Lock _lock = new();
    private long _windowStart = long.MinValue;
    private int _inWindow;
    private int _suppressed;

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, LogRateLimiter> ByOwner = new();

    /// <summary>
    /// The protocol-error budget of one server or client (keyed by its logger): all its connections share 20 lines per
    /// 10 s, so one peer in a loop cannot flood the log, and one server's noise cannot hide another's.
    /// </summary>
    public static LogRateLimiter ProtocolErrorsOf(object owner) =>
        ByOwner.GetValue(owner, static _ => new LogRateLimiter(20, TimeSpan.FromSeconds(10), TimeProvider.System));

    /// <summary>Whether to log now; <paramref name="suppressedBefore"/> is how many were dropped since the last line.</summary>
    public bool TryAcquire(out int suppressedBefore)
    {
        lock (_lock)
        {
            var now = timeProvider.GetTimestamp();
            if (_windowStart == long.MinValue || timeProvider.GetElapsedTime(_windowStart, now) >= window)
            {
                _windowStart = now;
                _inWindow = 0;
            }

            if (_inWindow < burst)
            {
                _inWindow++;
                suppressedBefore = _suppressed;
                _suppressed = 0;
                return true;
            }

            _suppressed++;
            suppressedBefore = 0;
            return false;
        }
    }
}
