using Epics.Pva.Data;

namespace Epics.Pva.Server.Internal;

/// <summary>
/// One copy of a PV's value taken at a post, shared by the queue entry of every subscriber that gets the post
/// (reference counted: each entry and the post itself hold one reference). Nobody writes it after it is made, so a
/// later post, which changes the PV's own current value, never changes what a queued entry will send; the last
/// release gives its arrays back.
/// </summary>
internal sealed class PostedValue
{
    private int _refs = 1;

    private PostedValue(PvValue value) => Value = value;

    /// <summary>Read only: the fields to send are chosen per entry, not by <c>Value.Changed</c>.</summary>
    public PvValue Value { get; }

    /// <summary>A copy of <paramref name="current"/>; the caller holds its first reference.</summary>
    public static PostedValue CopyOf(PvValue current) => new(current.Clone());

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
            Value.Dispose();
        }
        else if (refs < 0)
        {
            throw new InvalidOperationException("posted value released more often than retained");
        }
    }
}
