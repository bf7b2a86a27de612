using Epics.Pva.Client.Internal;
using Epics.Pva.Data;

namespace Epics.Pva.Client;

/// <summary>
/// A monitor on one channel: enumerate it for updates. It follows the channel through disconnects (restarting on the
/// new server connection), keeps its own bounded queue (squashing into the newest entry when full), and acknowledges
/// consumed updates when the pvRequest asks for <c>pipeline=true</c>. The enumeration ends when the server finishes
/// the subscription or the subscription is disposed; a server error (bad pvRequest) is thrown from it.
/// <para>
/// When the PV changes type (the server finishes the subscription with <see cref="Server.ServerPv.TypeChangedStatus"/>,
/// or it comes back with another type after a disconnect) the subscription starts again on the new type by itself:
/// the first update of the new type has <see cref="PvMonitorUpdate.TypeChanged"/> set and
/// <see cref="MonitorStatistics.TypeChanges"/> counts it. Updates of different types are never squashed together.
/// </para>
/// </summary>
public sealed partial class PvaSubscription : IAsyncEnumerable<PvMonitorUpdate>, IAsyncDisposable, IChannelListener
{
    private readonly PvaChannel _channel;
    private readonly PvValue _request;
    private readonly Lock _lock = new();
    private readonly UpdateQueue<PvMonitorUpdate> _queue;
    private readonly Stack<PvMonitorUpdate> _spare = new(); // disposed updates, reused for later ones (under _lock)
    private readonly BitSet _earlier = new(); // squash scratch (under _lock)
    private readonly int _queueSize;
    private readonly bool _pipeline;
    private readonly int _ackThreshold;
    private TaskCompletionSource? _waiter;
    private MonitorOperation? _operation;
    private Exception? _error;
    private bool _finished;
    private long _received;
    private long _delivered;
    private long _squashed;
    private long _overruns;
    private long _empty;
    private int _maxQueued;
    private int _connects;
    private int _typeChanges;
    private bool _typeChangePending;
    private bool _online;

    internal PvaSubscription(PvaChannel channel, PvValue request, MonitorOptions options)
    {
        _channel = channel;
        _request = request;
        var record = PvRequestSelection.OptionsOnly(request);
        _queueSize = Math.Max(2, options.QueueSize ?? record.QueueSize ?? 4);
        _pipeline = record.Pipeline;
        _ackThreshold = record.AckThreshold(_queueSize);
        _queue = new UpdateQueue<PvMonitorUpdate>(_queueSize);
        channel.AddListener(this);
    }

    /// <summary>The channel monitored.</summary>
    public PvaChannel Channel => _channel;

    /// <summary>The type the server announced (null until the first INIT reply).</summary>
    public PvType? Type { get; private set; }

    /// <summary>Raised (on the network thread) when the subscription starts on a server (true) or loses it (false).</summary>
    public event Action<PvaSubscription, bool>? ConnectionChanged;

    /// <summary>Current counters.</summary>
    public MonitorStatistics Statistics
    {
        get
        {
            lock (_lock)
            {
                return new MonitorStatistics(_received, _delivered, _squashed, _overruns, _queue.Count, _maxQueued, _connects, _empty, _typeChanges);
            }
        }
    }

    /// <summary>The next update, or null when the subscription has ended.</summary>
    public async ValueTask<PvMonitorUpdate?> ReadAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task wait;
            lock (_lock)
            {
                if (_queue.TryDequeue(out var update))
                {
                    _delivered++;
                    _operation?.Consumed();
                    return update;
                }

                if (_error is not null)
                {
                    throw _error;
                }

                if (_finished)
                {
                    return null;
                }

                _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _waiter.Task;
            }

            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerator<PvMonitorUpdate> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        while (await ReadAsync(cancellationToken).ConfigureAwait(false) is { } update)
        {
            yield return update;
        }
    }

    /// <summary>Stops the subscription on the server and ends the enumeration.</summary>
    public ValueTask DisposeAsync()
    {
        _channel.RemoveListener(this);
        MonitorOperation? op;
        lock (_lock)
        {
            op = _operation;
            _operation = null;
            _finished = true;
            while (_queue.TryDequeue(out var u))
            {
                u.Dispose();
            }

            WakeReader();
        }

        op?.Destroy();
        return ValueTask.CompletedTask;
    }

    void IChannelListener.OnChannelConnected(PvaChannel channel) => StartOperation(channel);

    private void StartOperation(PvaChannel channel)
    {
        var connection = channel.Connection;
        if (connection is null)
        {
            return;
        }

        var op = new MonitorOperation(this, connection, channel.Sid);
        lock (_lock)
        {
            if (_finished)
            {
                return;
            }

            _operation = op;
        }

        op.Start(_request, _pipeline ? _queueSize : 0);
    }

    void IChannelListener.OnChannelDisconnected(PvaChannel channel)
    {
        bool wasOnline;
        lock (_lock)
        {
            wasOnline = _online;
            _online = false;
            _operation = null;
        }

        if (wasOnline)
        {
            ConnectionChanged?.Invoke(this, false);
        }
    }

    internal void OnStarted(MonitorOperation op, PvType type)
    {
        lock (_lock)
        {
            if (!ReferenceEquals(op, _operation))
            {
                return;
            }

            if (Type is not null && !Type.Equals(type))
            {
                _typeChanges++;
                _typeChangePending = true;
            }

            Type = type;
            if (_online)
            {
                return; // started again on the same server after a type change: still connected
            }

            _online = true;
            _connects++;
        }

        ConnectionChanged?.Invoke(this, true);
    }

    internal void OnUpdate(MonitorOperation op, PvValue current, BitSet overrun)
    {
        lock (_lock)
        {
            if (!ReferenceEquals(op, _operation) || _finished)
            {
                return;
            }

            if (current.Changed.IsEmpty && overrun.IsEmpty)
            {
                // pvDatabase answers pipeline acks with updates that change nothing. They carry no data, so the
                // application never sees them, but each one used a slot of the server's window: give it back.
                _empty++;
                op.Consumed();
                return;
            }

            _received++;
            if (!overrun.IsEmpty)
            {
                _overruns++;
            }

            var typeChanged = _typeChangePending;
            _typeChangePending = false;
            if (_queue.Count >= _queueSize && !_pipeline && !typeChanged)
            {
                // Full: fold this update into the newest queued one; fields changed in both are overruns.
                var last = _queue.Newest;
                last.Overrun.Or(overrun);
                _earlier.CopyFrom(last.Changed);
                _earlier.And(current.Changed);
                last.Overrun.Or(_earlier);
                _earlier.CopyFrom(last.Changed);
                last.Value.CopyFrom(current);
                last.Value.Changed.Or(_earlier);
                _squashed++;
                return;
            }

            _queue.Enqueue(NewUpdate(current, overrun, typeChanged));
            _maxQueued = Math.Max(_maxQueued, _queue.Count);
            WakeReader();
        }
    }

    // Takes a disposed update back (from PvMonitorUpdate.Dispose, on any thread) for a later update to reuse.
    internal void Recycle(PvMonitorUpdate update)
    {
        update.Value.ReleaseArrays(); // frame buffers go back now, not when the object is reused
        lock (_lock)
        {
            if (!_finished && _spare.Count < _queueSize)
            {
                _spare.Push(update);
                return;
            }
        }

        update.Value.Dispose();
    }

    // Under _lock: a copy of the connection's current value, in a disposed update of the same type when there is one
    // (its nested values are reused: no allocation), else a clone.
    private PvMonitorUpdate NewUpdate(PvValue current, BitSet overrun, bool typeChanged)
    {
        while (_spare.TryPop(out var spare))
        {
            if (spare.Value.Type.Equals(current.Type))
            {
                spare.Value.CopyFrom(current);
                spare.Revive(typeChanged);
                spare.Overrun.Or(overrun);
                return spare;
            }
        }

        var copy = new BitSet();
        copy.Or(overrun);
        return new PvMonitorUpdate(current.Clone(), copy, typeChanged, this);
    }

    internal void OnFinished(MonitorOperation op, PvaStatus status)
    {
        if (IsTypeChange(status))
        {
            lock (_lock)
            {
                if (!ReferenceEquals(op, _operation) || _finished)
                {
                    return;
                }

                _operation = null;
            }

            // Subscribe again on this channel: the INIT reply brings the new type (or waits until the PV reopens).
            StartOperation(_channel);
            return;
        }

        lock (_lock)
        {
            if (!ReferenceEquals(op, _operation))
            {
                return;
            }

            _operation = null;
            _finished = true;
            if (!status.IsSuccess)
            {
                _error = new PvaRemoteException(status, _channel.Name);
            }

            WakeReader();
        }

        _channel.RemoveListener(this);
    }

    private static bool IsTypeChange(PvaStatus status) =>
        status.Type == Server.ServerPv.TypeChangedStatus.Type && status.Message == Server.ServerPv.TypeChangedStatus.Message;

    private void WakeReader()
    {
        var w = _waiter;
        _waiter = null;
        w?.TrySetResult();
    }
}
