using Epics.Pva.Data;

namespace Epics.Pva.Client;

/// <summary>
/// One monitor update: the complete current value (previous updates merged in), which fields this update changed
/// (<see cref="Changed"/>), and which changed more than once since the previous update (<see cref="Overrun"/>: the
/// intermediate values were lost). Dispose it when done so pooled frame buffers return to their pool.
/// </summary>
public sealed class PvMonitorUpdate : IDisposable
{
    internal PvMonitorUpdate(PvValue value, BitSet overrun, bool typeChanged = false)
    {
        Value = value;
        Overrun = overrun;
        TypeChanged = typeChanged;
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
    public bool TypeChanged { get; }

    /// <inheritdoc />
    public void Dispose() => Value.Dispose();
}
