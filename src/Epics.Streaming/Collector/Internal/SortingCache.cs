namespace Epics.Streaming.Collector.Internal;

/// <summary>
/// The collector's sorting cache (framework.md §9.3, §9.4): objects keyed by object id, several per id allowed (the
/// tiles of one frame), handed out in runs of consecutive ids starting at the smallest cached one. An object whose id
/// is not above the last one handed out is rejected while the cache holds anything, and taken as a producer restart
/// when it is empty. The id gap before a run counts as missed. A run is due when the cache is full, when nothing
/// arrived for the quiet period, or (the latency bound) when the oldest object waited the maximum wait; a run due to the
/// bound alone holds back the ids whose first object has not waited it yet, so the objects of one id (tiles coming
/// through different producers, a moment apart) are not split by a release. Thread-safe.
/// </summary>
internal sealed class SortingCache<T>
{
    private readonly Lock _lock = new();
    private readonly Dictionary<long, List<T>> _entries = [];
    private readonly SortedSet<long> _ids = [];
    private readonly Queue<(long Id, long Arrived)> _arrivals = new();
    private readonly Dictionary<long, long> _firstArrivals = [];
    private readonly Stack<List<T>> _spareLists = new();
    private readonly TimeProvider _time;
    private long? _lastId;
    private long _lastChange;
    private int _count;
    private long _collected;
    private long _rejected;
    private long _missed;
    private long _restarts;

    public SortingCache(int capacity, long objectIdOffset = 1, TimeProvider? timeProvider = null)
    {
        Capacity = capacity;
        ObjectIdOffset = objectIdOffset;
        _time = timeProvider ?? TimeProvider.System;
        _lastChange = _time.GetTimestamp();
    }

    /// <summary>C: a cache holding this many objects releases a run at once.</summary>
    public int Capacity { get; set; }

    /// <summary>K of the missed-object count: missed = first id of the run − last id handed out − K.</summary>
    public long ObjectIdOffset { get; set; }

    public CacheStatistics Statistics
    {
        get
        {
            lock (_lock)
            {
                return new CacheStatistics(_collected, _rejected, _missed, _count, _restarts);
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _count;
            }
        }
    }

    /// <summary>Caches <paramref name="item"/> under <paramref name="id"/>; false when it is rejected (late: the caller keeps it).</summary>
    public bool Add(long id, T item)
    {
        lock (_lock)
        {
            if (_lastId is { } last && id <= last)
            {
                if (_count > 0)
                {
                    _rejected++;
                    return false;
                }

                _lastId = null; // nothing waits and an old id comes: the producers started again
                _restarts++;
            }

            if (!_entries.TryGetValue(id, out var list))
            {
                list = _spareLists.TryPop(out var spare) ? spare : [];
                _entries.Add(id, list);
                _ids.Add(id);
                _firstArrivals[id] = _time.GetTimestamp();
            }

            list.Add(item);
            _count++;
            _lastChange = _time.GetTimestamp();
            _arrivals.Enqueue((id, _lastChange));
            return true;
        }
    }

    /// <summary>Whether a run should be taken now (see the class summary); never with the cache empty.</summary>
    public bool IsReleaseDue(TimeSpan quietPeriod, TimeSpan? maxWait) => TimeUntilRelease(quietPeriod, maxWait) == TimeSpan.Zero;

    /// <summary>How long until a run is due if nothing else arrives (zero: due now; null: the cache is empty).</summary>
    public TimeSpan? TimeUntilRelease(TimeSpan quietPeriod, TimeSpan? maxWait)
    {
        lock (_lock)
        {
            if (_count == 0)
            {
                return null;
            }

            if (_count >= Capacity)
            {
                return TimeSpan.Zero;
            }

            var left = quietPeriod - _time.GetElapsedTime(_lastChange);
            if (maxWait is { } bound && OldestArrival() is { } oldest)
            {
                var waitLeft = bound - _time.GetElapsedTime(oldest);
                left = waitLeft < left ? waitLeft : left;
            }

            return left > TimeSpan.Zero ? left : TimeSpan.Zero;
        }
    }

    /// <summary>
    /// Takes the run of consecutive ids that starts at the smallest cached id, every object of each id in arrival
    /// order; counts the gap before it as missed. Empty when the cache is.
    /// </summary>
    public List<(long Id, T Item)> TakeRun()
    {
        lock (_lock)
        {
            return TakeRunLocked(ripeBefore: null);
        }
    }

    /// <summary>
    /// The run that is due (see <see cref="IsReleaseDue"/>): the whole run when the cache is full, quiet or has no
    /// latency bound; when the bound alone makes it due, the run stops before the first id (after the smallest, taken
    /// always) whose first object came less than <paramref name="maxWait"/> ago.
    /// </summary>
    public List<(long Id, T Item)> TakeDueRun(TimeSpan quietPeriod, TimeSpan? maxWait)
    {
        lock (_lock)
        {
            var wholeRun = maxWait is null || _count >= Capacity || _time.GetElapsedTime(_lastChange) >= quietPeriod;
            return TakeRunLocked(wholeRun ? null : _time.GetTimestamp() - (long)(maxWait!.Value.TotalSeconds * _time.TimestampFrequency));
        }
    }

    private List<(long Id, T Item)> TakeRunLocked(long? ripeBefore)
    {
        var run = new List<(long Id, T Item)>();
        if (_count == 0)
        {
            return run;
        }

        var id = _ids.Min;
        if (_lastId is { } last && id - last - ObjectIdOffset is > 0 and var missed)
        {
            _missed += missed;
        }

        while ((run.Count == 0 || ripeBefore is not { } ripe || _firstArrivals.GetValueOrDefault(id, long.MaxValue) <= ripe)
            && _entries.Remove(id, out var list))
        {
            _ids.Remove(id);
            _firstArrivals.Remove(id);
            foreach (var item in list)
            {
                run.Add((id, item));
            }

            _count -= list.Count;
            list.Clear();
            _spareLists.Push(list);
            id++;
        }

        _lastId = id - 1;
        _collected += run.Count;
        _lastChange = _time.GetTimestamp();
        if (_count == 0)
        {
            _arrivals.Clear();
        }
        else
        {
            _ = OldestArrival(); // drops the arrivals handed out from the front, so the queue stays short
        }

        return run;
    }

    /// <summary>Zeroes the counters and forgets the last id handed out (<c>reset_stats</c>); the cached objects stay.</summary>
    public void ResetStatistics()
    {
        lock (_lock)
        {
            _collected = _rejected = _missed = _restarts = 0;
            _lastId = null;
        }
    }

    // The arrival time of the oldest object still cached (ids already handed out are dropped from the front).
    private long? OldestArrival()
    {
        while (_arrivals.TryPeek(out var a))
        {
            if (_entries.ContainsKey(a.Id))
            {
                return a.Arrived;
            }

            _arrivals.Dequeue();
        }

        return null;
    }
}

/// <summary>The counters of a <see cref="SortingCache{T}"/>.</summary>
/// <param name="Collected">Objects handed out.</param>
/// <param name="Rejected">Late objects refused (id not above the last handed out while the cache held others).</param>
/// <param name="Missed">Ids skipped between runs.</param>
/// <param name="Cached">Objects waiting now.</param>
/// <param name="Restarts">Times an old id arrived at an empty cache and was taken as a new start.</param>
internal readonly record struct CacheStatistics(long Collected, long Rejected, long Missed, long Cached, long Restarts);
