using Epics.Ca.Protocol;
using Epics.Ca.Transport;

namespace Epics.Ca.Server;

/// <summary>
/// A double (or array of double) PV served by a <see cref="CaServer"/>. <see cref="Post(double, DateTimeOffset?, CaAlarm)"/>
/// updates it and notifies subscribers; client puts do the same. Thread-safe.
/// </summary>
public sealed class CaServerPv
{
    private readonly Lock _lock = new();
    private ServerSubscription[] _subscribers = [];
    private double[] _values;
    private CaAlarm _alarm;
    private DateTimeOffset _timeStamp;

    internal CaServerPv(string name, double[] initial, bool isArray, int capacity, CaPvMetadata metadata)
    {
        Name = name;
        IsArray = isArray;
        Capacity = capacity;
        Metadata = metadata;
        _values = initial;
        _timeStamp = DateTimeOffset.UtcNow;
    }

    /// <summary>The PV name.</summary>
    public string Name { get; }

    /// <summary>True for an array PV (native count = <see cref="Capacity"/>).</summary>
    public bool IsArray { get; }

    /// <summary>The native element count reported to clients (1 for scalars).</summary>
    public int Capacity { get; }

    /// <summary>Units, precision and limits reported through DBR_GR/DBR_CTRL types.</summary>
    public CaPvMetadata Metadata { get; set; }

    /// <summary>The current value (the first element of an array PV, 0 when it is empty).</summary>
    public double Value
    {
        get
        {
            lock (_lock)
            {
                return _values.Length > 0 ? _values[0] : 0;
            }
        }
    }

    /// <summary>A copy of the current elements.</summary>
    public double[] Values
    {
        get
        {
            lock (_lock)
            {
                return (double[])_values.Clone();
            }
        }
    }

    /// <summary>The current alarm.</summary>
    public CaAlarm Alarm
    {
        get
        {
            lock (_lock)
            {
                return _alarm;
            }
        }
    }

    /// <summary>Raised after a client wrote the PV (with the new elements).</summary>
    public event EventHandler<double[]>? Written;

    /// <summary>Sets a scalar value (now, no alarm unless given) and notifies subscribers.</summary>
    public void Post(double value, DateTimeOffset? timestamp = null, CaAlarm alarm = default) => Post([value], timestamp, alarm);

    /// <summary>Sets the elements (cut to <see cref="Capacity"/>) and notifies subscribers.</summary>
    public void Post(ReadOnlySpan<double> values, DateTimeOffset? timestamp = null, CaAlarm alarm = default)
    {
        if (!IsArray && values.Length != 1)
        {
            throw new ArgumentException($"scalar PV '{Name}' takes exactly one value, got {values.Length}", nameof(values));
        }

        var copy = values[..Math.Min(values.Length, Capacity)].ToArray();
        var mask = CaEventMask.Value | CaEventMask.Log;
        lock (_lock)
        {
            if (alarm != _alarm)
            {
                mask |= CaEventMask.Alarm;
            }

            _values = copy;
            _alarm = alarm;
            _timeStamp = timestamp ?? DateTimeOffset.UtcNow;
            var snapshot = SnapshotLocked();

            // Notifying only queues bytes on each circuit, so it is done under the lock: concurrent posts then reach
            // every subscriber in the order they were applied.
            foreach (var s in _subscribers)
            {
                s.Notify(snapshot, mask);
            }
        }
    }

    internal void PutFromClient(double[] values)
    {
        Post(IsArray ? values : values.AsSpan(0, 1), null, Alarm);
        Written?.Invoke(this, values);
    }

    internal DbrSource Snapshot()
    {
        lock (_lock)
        {
            return SnapshotLocked();
        }
    }

    /// <summary>Adds a subscriber and queues its first update atomically, so no post can slip in between or before.</summary>
    internal void Subscribe(ServerSubscription subscription, Action<DbrSource> sendFirst)
    {
        lock (_lock)
        {
            _subscribers = [.. _subscribers, subscription];
            sendFirst(SnapshotLocked());
        }
    }

    internal void Unsubscribe(ServerSubscription subscription)
    {
        lock (_lock)
        {
            _subscribers = Array.FindAll(_subscribers, s => !ReferenceEquals(s, subscription));
        }
    }

    private DbrSource SnapshotLocked()
    {
        var ticks = (_timeStamp.UtcTicks - DateTime.UnixEpoch.Ticks) - (CaValues.EpicsEpochOffset * TimeSpan.TicksPerSecond);
        var seconds = ticks <= 0 ? 0u : (uint)Math.Min(uint.MaxValue, ticks / TimeSpan.TicksPerSecond);
        var nanos = ticks <= 0 ? 0u : (uint)(ticks % TimeSpan.TicksPerSecond * 100);
        return new DbrSource(_values, _alarm, seconds, nanos, Metadata, Metadata.ClassName ?? (IsArray ? "waveform" : "ai"));
    }
}
