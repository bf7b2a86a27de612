using Epics.Pva.Data;

namespace Epics.Pva.Client;

/// <summary>
/// One monitor update: the complete current value (previous updates merged in), which fields this update changed
/// (<see cref="Changed"/>), and which changed more than once since the previous update (<see cref="Overrun"/>: the
/// intermediate values were lost). Dispose it when done so pooled frame buffers return to their pool.
/// </summary>
public sealed class PvMonitorUpdate : IDisposable
{
    private readonly PvaSubscription? _owner;
    private int _live = 1;

    internal PvMonitorUpdate(PvValue value, BitSet overrun, bool typeChanged = false, PvaSubscription? owner = null)
    {
        Value = value;
        Overrun = overrun;
        TypeChanged = typeChanged;
        _owner = owner;
    }

    /// <summary>The value after this update.</summary>
    public PvValue Value { get; }

    /// <summary>Fields changed by this update (bit offsets); the same set as <c>Value.Changed</c>.</summary>
    public BitSet Changed => Value.Changed;

    /// <summary>Fields that changed more than once since the previous update, on the server or in our queue.</summary>
    public BitSet Overrun { get; }

    /// <summary>
    /// True for the first update after the PV changed type (the subscription started again on the new type):
    /// <c>Value.Type</c> differs from the previous update's, and every field is marked.
    /// </summary>
    public bool TypeChanged { get; private set; }

    /// <summary>
    /// Gives the update back: its arrays are released at once, and the object may carry a later update of the same
    /// subscription (so a stream of updates allocates nothing), so it must not be used after this. A second call does
    /// nothing.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _live, 0) == 0)
        {
            return;
        }

        if (_owner is null)
        {
            Value.Dispose();
        }
        else
        {
            _owner.Recycle(this);
        }
    }

    // A recycled update about to carry a new value: live again, no overruns yet.
    internal void Revive(bool typeChanged)
    {
        TypeChanged = typeChanged;
        Overrun.Clear();
        Volatile.Write(ref _live, 1);
    }
}
