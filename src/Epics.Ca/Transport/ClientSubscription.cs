using System.Threading.Channels;
using Epics.Ca.Protocol;
using Epics.Pva.Data;

namespace Epics.Ca.Transport;

/// <summary>
/// One monitor: its EVENT_ADD parameters, the queue its updates go to (oldest dropped when full) and whether it is
/// established on a server.
/// </summary>
internal sealed class ClientSubscription(uint id, DbrType? requestedType, uint count, CaEventMask mask, int queueSize)
{
    private readonly Channel<PvValue> _queue = Channel.CreateBounded<PvValue>(
        new BoundedChannelOptions(Math.Max(1, queueSize)) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
        static dropped => dropped.Dispose());

    private int _connected;
    private int _connects;

    public uint Id { get; } = id;

    public DbrType ActiveType { get; private set; }

    public bool AsArray { get; private set; }

    public ChannelReader<PvValue> Reader => _queue.Reader;

    /// <summary>The EVENT_ADD for a (re)connected channel; picks DBR_TIME_native unless a type was requested.</summary>
    public byte[] EventAdd(uint sid, DbrType nativeType, uint nativeCount)
    {
        ActiveType = requestedType ?? nativeType.Time();
        AsArray = nativeCount != 1;
        return CaMessages.EventAdd((ushort)ActiveType, count, sid, Id, (ushort)mask);
    }

    public byte[] EventCancel(uint sid) => CaMessages.EventCancel((ushort)ActiveType, count, sid, Id);

    /// <summary>Told (outside the client's lock) when the monitor is established on a server or loses it.</summary>
    public Action<bool>? ConnectionChanged { get; set; }

    public bool IsConnected => Volatile.Read(ref _connected) == 1;

    public int Connects => Volatile.Read(ref _connects);

    public void Deliver(PvValue value)
    {
        if (!_queue.Writer.TryWrite(value))
        {
            value.Dispose(); // cancelled meanwhile
        }
    }

    /// <summary>The EVENT_ADD went out on a connected channel; raises the change once per connection.</summary>
    public void Connected()
    {
        if (Interlocked.Exchange(ref _connected, 1) == 0)
        {
            Interlocked.Increment(ref _connects);
            ConnectionChanged?.Invoke(true);
        }
    }

    /// <summary>The channel or its circuit went away; raises the change once per connection.</summary>
    public void Disconnected()
    {
        if (Interlocked.Exchange(ref _connected, 0) == 1)
        {
            ConnectionChanged?.Invoke(false);
        }
    }

    public void Complete()
    {
        _queue.Writer.TryComplete();
        while (_queue.Reader.TryRead(out var left))
        {
            left.Dispose();
        }
    }
}
