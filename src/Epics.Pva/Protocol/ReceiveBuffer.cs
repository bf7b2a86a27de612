using Epics.Pva.Data;

namespace Epics.Pva.Protocol;

/// <summary>
/// The pooled buffer a large received message was read into. A decoder may adopt it for the message's big array
/// (<see cref="PvaReader.TryAdopt"/>): the array then returns it to <see cref="Pool"/>, and the receive loop must not.
/// One instance per connection, reset for each large message.
/// </summary>
internal sealed class ReceiveBuffer
{
    public byte[]? Buffer { get; private set; }

    /// <summary>Where the payload starts in <see cref="Buffer"/>.</summary>
    public int Offset { get; private set; }

    public FrameBufferPool Pool { get; private set; } = FrameBufferPool.Shared;

    public bool Adopted { get; set; }

    public void Reset(byte[]? buffer, int offset, FrameBufferPool pool)
    {
        Buffer = buffer;
        Offset = offset;
        Pool = pool;
        Adopted = false;
    }
}
