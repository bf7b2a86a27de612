using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Epics.Streaming.Consumer.Internal;

/// <summary>
/// Notices a processor call that runs longer than a limit (a hang): checks a few times per limit whether the call in
/// progress started too long ago, and then logs one warning with the object's id and the time, counts the hang and
/// shows it in <see cref="Statistics"/> until the call returns, which ends the hang (logged too). It only watches: a
/// hung call cannot be taken back from the thread that made it.
/// </summary>
internal sealed class ProcessorWatchdog : IDisposable
{
    private readonly Lock _lock = new();
    private readonly TimeSpan _limit;
    private readonly ILogger _logger;
    private readonly Timer _timer;
    private long _callStarted; // Stopwatch timestamp of the call in progress; 0: none
    private long _objectId;
    private bool _hung; // the call in progress was reported
    private long _hangs;

    public ProcessorWatchdog(TimeSpan limit, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(limit, TimeSpan.Zero);
        _limit = limit;
        _logger = logger;
        // A hang shows within a quarter of the limit after it (at most a second late, at least 20 ms between looks).
        var period = TimeSpan.FromTicks(Math.Clamp(limit.Ticks / 4, TimeSpan.FromMilliseconds(20).Ticks, TimeSpan.FromSeconds(1).Ticks));
        _timer = new Timer(_ => Check(), null, period, period);
    }

    public TimeSpan Limit => _limit;

    /// <summary>The hangs so far and the one in progress.</summary>
    public ProcessorHangStatistics Statistics
    {
        get
        {
            lock (_lock)
            {
                return new ProcessorHangStatistics
                {
                    Hangs = _hangs,
                    Hung = _hung,
                    HungObjectId = _hung ? _objectId : 0,
                    HungSeconds = _hung ? Stopwatch.GetElapsedTime(_callStarted).TotalSeconds : 0,
                };
            }
        }
    }

    /// <summary>The call in progress (object id and how long it has run), or null.</summary>
    public (long ObjectId, TimeSpan Running)? CurrentCall
    {
        get
        {
            lock (_lock)
            {
                return _callStarted == 0 ? null : (_objectId, Stopwatch.GetElapsedTime(_callStarted));
            }
        }
    }

    /// <summary>A processor call on object <paramref name="objectId"/> starts.</summary>
    public void Enter(long objectId)
    {
        lock (_lock)
        {
            _callStarted = Stopwatch.GetTimestamp();
            _objectId = objectId;
            _hung = false;
        }
    }

    /// <summary>The call returned (or threw).</summary>
    public void Exit()
    {
        double seconds;
        long id;
        lock (_lock)
        {
            var wasHung = _hung;
            seconds = Stopwatch.GetElapsedTime(_callStarted).TotalSeconds;
            id = _objectId;
            _callStarted = 0;
            _hung = false;
            if (!wasHung)
            {
                return;
            }
        }

        _logger.LogWarning("Processor returned from object {ObjectId} after {Seconds:0.0} s: the hang is over", id, seconds);
    }

    /// <summary>Reports the call in progress once it has run longer than the limit (called by the timer; tests call it too).</summary>
    public void Check()
    {
        double seconds;
        long id;
        lock (_lock)
        {
            if (_callStarted == 0 || _hung)
            {
                return;
            }

            var running = Stopwatch.GetElapsedTime(_callStarted);
            if (running < _limit)
            {
                return;
            }

            _hung = true;
            _hangs++;
            seconds = running.TotalSeconds;
            id = _objectId;
        }

        _logger.LogWarning("Processor hung: its Process call on object {ObjectId} has run for {Seconds:0.0} s (limit {Limit:0.###} s)",
            id, seconds, _limit.TotalSeconds);
    }

    public void Dispose() => _timer.Dispose();
}
