using System.Threading.Channels;
using Epics.Ca.Protocol;
using Epics.Pva.Data;

namespace Epics.Ca.Transport;

/// <summary>One monitor: its EVENT_ADD parameters and the queue its updates go to (oldest dropped when full).</summary>
internal sealed class ClientSubscription(uint id, DbrType? requestedType, uint count, CaEventMask mask, int queueSize)
{
    private readonly Channel<PvValue> _queue = Channel.CreateBounded<PvValue>(
        new BoundedChannelOptions(Math.Max(1, queueSize)) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
        static dropped => dropped.Dispose());

    private PvValue? _last;

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

    public void Deliver(PvValue value)
    {
        lock (_queue)
        {
            _last?.Dispose();
            _last = value.Clone();
        }

        _queue.Writer.TryWrite(value);
    }

    /// <summary>Queues a copy of the last value marked INVALID/CLIENT "disconnected" (types without alarm get none).</summary>
    public void Disconnected()
    {
        PvValue? marker;
        lock (_queue)
        {
            marker = _last?.Clone();
        }

        if (marker is null || !marker.TryGetField("alarm", out var alarm))
        {
            marker?.Dispose();
            return;
        }

        alarm["severity"].Set((int)CaSeverity.Invalid);
        alarm["status"].Set(CaValues.PvaStatusClient);
        alarm["message"].Set(CaValues.DisconnectedMessage);
        marker.Changed.Clear();
        marker.MarkAllChanged();
        _queue.Writer.TryWrite(marker);
    }

    public void Complete()
    {
        _queue.Writer.TryComplete();
        lock (_queue)
        {
            _last?.Dispose();
            _last = null;
        }
    }
}
