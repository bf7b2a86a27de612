namespace Epics.Streaming.Processing;

/// <summary>
/// Object-id bookkeeping of a consumer (framework.md §5): which objects are skipped at the start, which is the first
/// processed one, and how many objects were missed between two received ids, given the id step K
/// (<see cref="ObjectIdOffset"/>) and the group length N (<see cref="SequentialUpdates"/>) of a data distributor.
/// Negative or zero differences (restarts, reordering) never count as missed; the new id just becomes the reference.
/// Not thread-safe: one processing thread calls it.
/// </summary>
public sealed class ObjectIdTracker
{
    private long _lastExpectedGroupUpdateId;

    /// <summary>A tracker with step <paramref name="objectIdOffset"/>, group length <paramref name="sequentialUpdates"/> and <paramref name="skipInitialUpdates"/> objects to skip.</summary>
    public ObjectIdTracker(long objectIdOffset = 1, int sequentialUpdates = 1, int skipInitialUpdates = 0)
    {
        ObjectIdOffset = objectIdOffset;
        SequentialUpdates = sequentialUpdates;
        SkipInitialUpdates = skipInitialUpdates;
    }

    /// <summary>K: the expected id step between two objects this consumer receives (≥ 1).</summary>
    public long ObjectIdOffset
    {
        get;
        set => field = Math.Max(1, value);
    }

    /// <summary>N: consecutive ids per distributor turn (≥ 1).</summary>
    public int SequentialUpdates
    {
        get;
        set => field = Math.Max(1, value);
    }

    /// <summary>Objects still to skip; not restored by <see cref="Reset"/>.</summary>
    public int SkipInitialUpdates { get; set; }

    /// <summary>The id of the first processed object since start or reset.</summary>
    public long? FirstObjectId { get; private set; }

    /// <summary>The id of the latest object seen.</summary>
    public long? LastObjectId { get; private set; }

    /// <summary>Objects missed since start or reset.</summary>
    public long Missed { get; private set; }

    /// <summary>
    /// Takes the id of an arriving object and says what to do with it: whether it is the first since start or reset (the
    /// output is typed by it), whether it is skipped, and how many objects were missed before it.
    /// </summary>
    public ObjectIdDecision Observe(long objectId)
    {
        var isFirst = LastObjectId is null;
        if (isFirst)
        {
            LastObjectId = objectId;
        }

        if (SkipInitialUpdates > 0)
        {
            SkipInitialUpdates--;
            return new ObjectIdDecision(isFirst, Skip: true, Missed: 0);
        }

        if (FirstObjectId is null)
        {
            FirstObjectId = objectId;
            LastObjectId = objectId;
            _lastExpectedGroupUpdateId = objectId + SequentialUpdates - 1;
        }

        var missed = CountMissed(objectId);
        if (missed > 0)
        {
            Missed += missed;
        }

        LastObjectId = objectId;
        return new ObjectIdDecision(isFirst, Skip: false, Missed: Math.Max(0, missed));
    }

    /// <summary>Forgets the ids and the missed count (<c>reset_stats</c>); the remaining skip count stays.</summary>
    public void Reset()
    {
        FirstObjectId = null;
        LastObjectId = null;
        Missed = 0;
        _lastExpectedGroupUpdateId = 0;
    }

    /// <summary>
    /// The id step K a consumer expects (framework.md §5): <paramref name="oidOffset"/> when positive; else with
    /// distributor updates U, (S − 1)·U + 1 for S &gt; 1 distributor sets, otherwise (consumers − 1)·U + 1; else 1.
    /// </summary>
    public static long ComputeOffset(long oidOffset, int? distributorUpdates, int distributorSets, int consumers)
    {
        if (oidOffset > 0)
        {
            return oidOffset;
        }

        if (distributorUpdates is { } u)
        {
            return distributorSets > 1 ? ((long)(distributorSets - 1) * u) + 1 : ((long)(consumers - 1) * u) + 1;
        }

        return 1;
    }

    private long CountMissed(long objectId)
    {
        var k = ObjectIdOffset;
        var n = SequentialUpdates;
        var last = LastObjectId!.Value;
        if (n == 1)
        {
            return FloorDiv(objectId - last - k, k);
        }

        var diff = objectId - last;
        if (diff <= 1)
        {
            return 0;
        }

        var nOffsets = FloorDiv(diff + n - 1, k + n - 1);
        var inCurrent = Math.Min(objectId, _lastExpectedGroupUpdateId) - last - 1;
        long groupsMissed = 0;
        long inNew = 0;
        if (nOffsets > 0)
        {
            groupsMissed = nOffsets - 1;
            inCurrent = _lastExpectedGroupUpdateId - last;
            var firstNew = _lastExpectedGroupUpdateId + (nOffsets * (k - 1)) + (groupsMissed * n) + 1;
            _lastExpectedGroupUpdateId = firstNew + n - 1;
            inNew = objectId - firstNew;
        }

        return inCurrent + (groupsMissed * n) + inNew;
    }

    // Python's //: rounds towards negative infinity.
    private static long FloorDiv(long a, long b)
    {
        var q = a / b;
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
    }
}

/// <summary>What <see cref="ObjectIdTracker.Observe"/> decided for one object.</summary>
/// <param name="IsFirst">The first object since start or reset (the output publisher is created from it).</param>
/// <param name="Skip">An initial update that is received but not processed.</param>
/// <param name="Missed">Objects missed just before this one (0 when none).</param>
public readonly record struct ObjectIdDecision(bool IsFirst, bool Skip, long Missed);
