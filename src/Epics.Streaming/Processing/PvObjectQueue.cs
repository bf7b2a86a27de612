using System.Diagnostics;
using Epics.Pva.Data;

namespace Epics.Streaming.Processing;

/// <summary>
/// A thread-safe FIFO of objects with an optional bound and counters (framework.md §7.3): the receiver queue of a
/// consumer and each metadata channel's queue. A full queue refuses a put and counts it as rejected. The queue owns
/// what it holds: a rejected object is the caller's to dispose; a taken object is the taker's.
/// </summary>
public sealed class PvObjectQueue
{
    private readonly object _lock = new(); // Monitor.Wait/Pulse need a plain object
    private readonly Queue<PvValue> _items = new();
    private int _maxLength;
    private long _received;
    private long _rejected;
    private long _delivered;
    private long _lastPut;
    private long _lastGet;

    /// <summary>A queue holding at most <paramref name="maxLength"/> objects (≤ 0: unlimited).</summary>
    public PvObjectQueue(int maxLength = 0) => _maxLength = maxLength;

    /// <summary>The bound (≤ 0: unlimited); may be changed while in use.</summary>
    public int MaxLength
    {
        get => Volatile.Read(ref _maxLength);
        set
        {
            lock (_lock)
            {
                _maxLength = value;
                Monitor.PulseAll(_lock);
            }
        }
    }

    /// <summary>Objects waiting now.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>Time since the last successful put (<see cref="TimeSpan.MaxValue"/> if never).</summary>
    public TimeSpan TimeSinceLastPut => Since(Volatile.Read(ref _lastPut));

    /// <summary>Time since the last take (<see cref="TimeSpan.MaxValue"/> if never).</summary>
    public TimeSpan TimeSinceLastGet => Since(Volatile.Read(ref _lastGet));

    /// <summary>The counters now.</summary>
    public QueueStatistics Statistics
    {
        get
        {
            lock (_lock)
            {
                return new QueueStatistics(_received, _rejected, _delivered, _items.Count);
            }
        }
    }

    /// <summary>Adds <paramref name="value"/> unless the queue is full (then counts a rejection and returns false).</summary>
    public bool TryPut(PvValue value)
    {
        lock (_lock)
        {
            if (_maxLength > 0 && _items.Count >= _maxLength)
            {
                _rejected++;
                return false;
            }

            _items.Enqueue(value);
            _received++;
            _lastPut = Stopwatch.GetTimestamp();
            Monitor.PulseAll(_lock);
            return true;
        }
    }

    /// <summary>Takes the oldest object, waiting up to <paramref name="timeout"/>; false when none came.</summary>
    public bool TryTake(TimeSpan timeout, out PvValue value)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        lock (_lock)
        {
            while (_items.Count == 0)
            {
                var left = deadline - Stopwatch.GetTimestamp();
                if (left <= 0 || !Monitor.Wait(_lock, TimeSpan.FromSeconds((double)left / Stopwatch.Frequency)))
                {
                    if (_items.Count > 0)
                    {
                        break;
                    }

                    value = null!;
                    return false;
                }
            }

            value = _items.Dequeue();
            _delivered++;
            _lastGet = Stopwatch.GetTimestamp();
            return true;
        }
    }

    /// <summary>Takes the oldest object if there is one, without waiting.</summary>
    public bool TryTake(out PvValue value) => TryTake(TimeSpan.Zero, out value);

    /// <summary>Wakes every waiting <see cref="TryTake(TimeSpan, out PvValue)"/> (they return false unless an object came).</summary>
    public void CancelWaits()
    {
        lock (_lock)
        {
            Monitor.PulseAll(_lock);
        }
    }

    /// <summary>Drops (and disposes) every queued object.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            while (_items.TryDequeue(out var v))
            {
                v.Dispose();
            }
        }
    }

    /// <summary>Zeroes the counters (the queued objects stay).</summary>
    public void ResetStatistics()
    {
        lock (_lock)
        {
            _received = _rejected = _delivered = 0;
        }
    }

    private static TimeSpan Since(long timestamp) => timestamp == 0 ? TimeSpan.MaxValue : Stopwatch.GetElapsedTime(timestamp);
}

/// <summary>Counters of a <see cref="PvObjectQueue"/>.</summary>
/// <param name="Received">Successful puts.</param>
/// <param name="Rejected">Puts refused because the queue was full.</param>
/// <param name="Delivered">Takes.</param>
/// <param name="Queued">Objects waiting now.</param>
public readonly record struct QueueStatistics(long Received, long Rejected, long Delivered, long Queued);
