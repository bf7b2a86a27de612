using Epics.Pva.Data;

namespace Epics.Pva.Server.Internal;

/// <summary>
/// One copy of a PV's value taken at a post, shared by the queue entry of every subscriber that gets the post
/// (reference counted: each entry and the post itself hold one reference). Nobody writes it while it is held, so a
/// later post, which changes the PV's own current value, never changes what a queued entry will send. The last release
/// gives its arrays back and the object to the PV's <see cref="PostedValuePool"/>, where a later post copies into it.
/// </summary>
internal sealed class PostedValue
{
    private readonly PostedValuePool _pool;
    private int _refs = 1;

    private PostedValue(PvValue value, PostedValuePool pool)
    {
        Value = value;
        _pool = pool;
    }

    /// <summary>Read only: the fields to send are chosen per entry, not by <c>Value.Changed</c>.</summary>
    public PvValue Value { get; }

    /// <summary>
    /// About what one update with the whole value encodes to (its arrays plus a little per field), counted in the
    /// connection's backlog while an update waits for its send loop to encode it.
    /// </summary>
    public long EstimatedBytes { get; private set; }

    /// <summary>A copy of <paramref name="current"/> (into a pooled object when one fits); the caller holds its first reference.</summary>
    public static PostedValue CopyOf(PvValue current, PostedValuePool pool)
    {
        if (pool.TryTake(current.Type) is { } reused)
        {
            reused.Value.CopyFrom(current);
            reused._refs = 1;
            reused.EstimatedBytes = Estimate(reused.Value);
            return reused;
        }

        var posted = new PostedValue(current.Clone(), pool);
        posted.EstimatedBytes = Estimate(posted.Value);
        return posted;
    }

    private static long Estimate(PvValue value)
    {
        var bytes = 16L * value.Nodes.Length;
        foreach (var node in value.Nodes)
        {
            bytes += node.Ref switch
            {
                PvArray a => a.ByteLength,
                PvValue v => Estimate(v),
                PvValue?[] elements => EstimateAll(elements),
                _ => 0,
            };
        }

        return bytes;
    }

    private static long EstimateAll(PvValue?[] elements)
    {
        long bytes = 0;
        foreach (var e in elements)
        {
            bytes += e is null ? 1 : Estimate(e);
        }

        return bytes;
    }

    public PostedValue Retain()
    {
        Interlocked.Increment(ref _refs);
        return this;
    }

    public void Release()
    {
        var refs = Interlocked.Decrement(ref _refs);
        if (refs == 0)
        {
            _pool.Return(this);
        }
        else if (refs < 0)
        {
            throw new InvalidOperationException("posted value released more often than retained");
        }
    }
}

/// <summary>
/// Posted values nobody holds any more, kept (without their arrays) for the PV's next posts so that a stream of posts
/// allocates nothing. Bounded; values of another type (after a type change) are dropped when met.
/// </summary>
internal sealed class PostedValuePool
{
    private const int MaxKept = 256;
    private readonly Lock _lock = new();
    private readonly Stack<PostedValue> _kept = new();

    public PostedValue? TryTake(PvType type)
    {
        lock (_lock)
        {
            while (_kept.TryPop(out var v))
            {
                if (v.Value.Type.Equals(type))
                {
                    return v;
                }
            }

            return null;
        }
    }

    public void Return(PostedValue posted)
    {
        posted.Value.ReleaseArrays(); // frame buffers go back now, not when the object is reused
        lock (_lock)
        {
            if (_kept.Count < MaxKept)
            {
                _kept.Push(posted);
            }
        }
    }
}
