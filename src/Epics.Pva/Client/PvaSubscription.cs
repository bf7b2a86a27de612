using Epics.Pva.Client.Internal;
using Epics.Pva.Data;
using Epics.Pva.Protocol;
using Epics.Pva.Protocol.Messages;

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
public sealed class PvaSubscription : IAsyncEnumerable<PvMonitorUpdate>, IAsyncDisposable, IChannelListener
{
    private readonly PvaChannel _channel;
    private readonly PvValue _request;
    private readonly Lock _lock = new();
    private readonly UpdateQueue<PvMonitorUpdate> _queue;
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
                var merged = new PvMonitorUpdate(current.Clone(), new BitSet(), last.TypeChanged);
                merged.Overrun.Or(last.Overrun);
                merged.Overrun.Or(overrun);
                var again = new BitSet();
                again.Or(last.Changed);
                again.And(current.Changed);
                merged.Overrun.Or(again);
                merged.Changed.Or(last.Changed);
                _queue.Newest = merged;
                last.Dispose();
                _squashed++;
                return;
            }

            var copy = new BitSet();
            copy.Or(overrun);
            _queue.Enqueue(new PvMonitorUpdate(current.Clone(), copy, typeChanged));
            _maxQueued = Math.Max(_maxQueued, _queue.Count);
            WakeReader();
        }
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

    /// <summary>The protocol side of a subscription on one connection (re-created after every reconnect).</summary>
    internal sealed class MonitorOperation(PvaSubscription owner, ClientConnection connection, uint sid) : ClientOperation, IChannelOperation
    {
        private readonly BitSet _scratch = new();
        private readonly BitSet _overrun = new();
        private PvValue? _current;
        private int _unacked;

        public PvaChannel Channel => owner._channel;

        public void Start(PvValue request, int window)
        {
            if (!connection.Register(this))
            {
                return;
            }

            connection.SendMessage(OperationInitRequest.Create(PvaCommand.Monitor, sid, Ioid, request, (uint)Math.Max(window, 0)));
        }

        public override void OnReply(PvaCommand command, ref PvaReader reader)
        {
            var head = OperationReplyHead.Peek(reader);
            if (head.IsInit)
            {
                var init = OperationInitReply.Read(ref reader, PvaCommand.Monitor);
                if (!init.Status.IsSuccess)
                {
                    connection.Unregister(this);
                    owner.OnFinished(this, init.Status);
                    return;
                }

                _current = new PvValue(init.Type!);
                connection.SendMessage(MonitorRequest.Start(sid, Ioid));
                owner.OnStarted(this, init.Type!);
                return;
            }

            if (head.IsFinish)
            {
                var finish = MonitorFinish.Read(ref reader);
                if (!reader.IsEmpty && _current is not null)
                {
                    MonitorUpdate.ReadDataInto(ref reader, _current, _scratch, _overrun);
                    owner.OnUpdate(this, _current, _overrun);
                }

                connection.Unregister(this);
                owner.OnFinished(this, finish.Status);
                return;
            }

            if (_current is null)
            {
                return;
            }

            MonitorUpdate.ReadInto(ref reader, _current, _scratch, _overrun);
            owner.OnUpdate(this, _current, _overrun);
        }

        // Called when the application takes an update: with pipelining, give the server its window back.
        public void Consumed()
        {
            if (!owner._pipeline || connection.IsClosed)
            {
                return;
            }

            if (++_unacked >= owner._ackThreshold)
            {
                var n = _unacked;
                _unacked = 0;
                connection.SendMessage(MonitorRequest.Ack(sid, Ioid, (uint)n));
            }
        }

        public void Destroy()
        {
            if (!connection.IsClosed)
            {
                connection.DestroyRequest(this, sid);
            }
        }

        public override void OnDisconnected(string reason)
        {
        }
    }
}
