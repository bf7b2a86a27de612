using Epics.Pva.Data;
using Epics.Pva.Protocol;

namespace Epics.Pva.Server.Internal;

/// <summary>
/// One client's monitor on a <see cref="SharedPv"/>: a queue of up to queueSize snapshots that squashes into the
/// newest entry when full (recording overrun bits for fields that changed again), drained onto the connection while
/// the pipeline window allows and the connection's send backlog is small. Draining only hands an entry (a reference to
/// the post's shared snapshot) to the connection, whose send loop encodes it
/// (<see cref="ServerConnection.SendUpdateLater"/>). A STOP from the client drops what is queued: nothing goes out
/// until the next START, which sends the whole current value again.
/// </summary>
internal sealed class ServerMonitor
{
    private readonly ServerConnection _connection;
    private readonly ServerPv _pv;
    private readonly string _channelName;
    private readonly BitSet _mask;
    private readonly Queue<Entry> _queue = new();
    private readonly Stack<Entry> _free = new(); // sent entries, reused so a post allocates nothing per subscriber
    private readonly BitSet _selected = new();
    private readonly BitSet _overlap = new();

    // Fields changed by posts the distributor gave to other clients: this client's next update must carry them too,
    // or its copy keeps stale fields (the dimensions set by a first frame that went to another consumer).
    private readonly BitSet _skipped = new();
    private Entry? _newest; // the queue's last entry, so a squash does not walk the queue
    private readonly Lock _lock = new();
    private readonly int _queueSize;
    private readonly bool _pipeline;
    private int _window;
    private bool _running;
    private bool _finished;
    private long _sent;

    public ServerMonitor(ServerConnection connection, uint ioid, ServerPv pv, string channelName, PvType type, BitSet mask, int queueSize,
        bool pipeline, int window, DistributorMember? distributor)
    {
        _connection = connection;
        Ioid = ioid;
        _pv = pv;
        _channelName = channelName;
        Type = type;
        _mask = mask;
        _queueSize = Math.Max(2, queueSize);
        _pipeline = pipeline;
        _window = window;
        Distributor = distributor;
    }

    public uint Ioid { get; }

    /// <summary>The type the client was told at INIT (its updates are decoded with it).</summary>
    public PvType Type { get; }

    /// <summary>Set when the client asked for the data distributor; the PV then decides who gets each update.</summary>
    public DistributorMember? Distributor { get; }

    /// <summary>Updates squashed because the queue was full.</summary>
    public long Squashed { get; private set; }

    public SubscriberStatistics Statistics
    {
        get
        {
            lock (_lock)
            {
                return new SubscriberStatistics(_connection.PeerName, _channelName, _queue.Count, _queueSize, Squashed, _sent, _running, _pipeline,
                    _pipeline ? _window : 0);
            }
        }
    }

    /// <summary>Whether the queue has room for another update (or, with <paramref name="halfEmpty"/>, is at most half full).</summary>
    public bool HasRoom(bool halfEmpty)
    {
        lock (_lock)
        {
            return !_running || (halfEmpty ? _queue.Count <= _queueSize / 2 : _queue.Count < _queueSize);
        }
    }

    public void Start()
    {
        lock (_lock)
        {
            if (_running || _finished)
            {
                return;
            }

            _running = true;
        }

        if (!_pv.Subscribe(this))
        {
            Finish(ServerPv.TypeChangedStatus); // stopped while the PV changed type: its updates no longer fit
        }
    }

    public void Stop()
    {
        lock (_lock)
        {
            // A stopped monitor sends nothing more: what is queued is dropped, START sends the whole value again.
            _running = false;
            DropQueue();
        }

        _pv.Unsubscribe(this);
    }

    public void Ack(uint count)
    {
        lock (_lock)
        {
            _window = (int)Math.Min(int.MaxValue, (long)_window + count);
        }

        Flush();
    }

    /// <summary>
    /// The distributor gave a post to another client: remembers the fields it changed, so that this client's next
    /// update sends them (a skipped post is, for this client, squashed into the next one it gets). Under the PV's lock.
    /// </summary>
    public void Skip(PvValue current, BitSet changed)
    {
        FieldMask.SelectChanged(current.Type, changed, _mask, _overlap);
        _skipped.Or(_overlap);
    }

    /// <summary>
    /// Called under the PV's lock with its current value and the fields that changed. <paramref name="posted"/> is
    /// the post's shared copy of the value: made by the first subscriber that needs it, retained by each entry.
    /// </summary>
    public void Enqueue(PvValue current, BitSet changed, PostedValuePool pool, ref PostedValue? posted)
    {
        // _selected, _overlap and _skipped are only used here and in Skip, and both run under the PV's lock.
        FieldMask.SelectChanged(current.Type, changed, _mask, _selected);
        if (!_skipped.IsEmpty)
        {
            _selected.Or(_skipped);
            _skipped.Clear();
        }

        if (_selected.IsEmpty)
        {
            return; // only unselected fields changed: nothing for this client
        }

        lock (_lock)
        {
            if (!_running)
            {
                return;
            }

            posted ??= PostedValue.CopyOf(current, pool);
            if (_queue.Count >= _queueSize)
            {
                // Full: the newest entry takes the latest value; fields changed in both are overruns.
                var last = _newest!;
                _overlap.CopyFrom(last.Changed);
                _overlap.And(_selected);
                last.Overrun.Or(_overlap);
                last.Changed.Or(_selected);
                last.Value.Release();
                last.Value = posted.Retain();
                Squashed++;
                return;
            }

            var entry = _free.Count > 0 ? _free.Pop() : new Entry();
            entry.Value = posted.Retain();
            entry.Changed.CopyFrom(_selected);
            entry.Overrun.Clear();
            _newest = entry;
            _queue.Enqueue(entry);
        }

        Flush();
    }

    /// <summary>
    /// Hands the connection what the window and its backlog allow; when the backlog stops it, the connection flushes
    /// this monitor again after its next send.
    /// </summary>
    public void Flush()
    {
        var sent = false;
        lock (_lock)
        {
            // Dequeue and hand over under the lock: Flush runs on the producer, receive (acks) and send threads at once,
            // and updates must reach the connection in queue order.
            while (_running && _queue.Count > 0 && (!_pipeline || _window > 0))
            {
                if (!_connection.CanSendMore)
                {
                    _connection.WaitForRoom(this);
                    if (!_connection.CanSendMore)
                    {
                        break; // checked again after registering: a send that completed in between found nobody waiting
                    }

                    continue;
                }

                var entry = _queue.Dequeue();
                if (_queue.Count == 0)
                {
                    _newest = null;
                }
                if (_pipeline)
                {
                    _window--;
                }

                _connection.SendUpdateLater(this, entry); // recycled once encoded
                _sent++;
                sent = true;
            }
        }

        if (sent)
        {
            _pv.OnQueueDrained();
        }
    }

    /// <summary>Ends the subscription from the server side (the PV closed or changed type): final message with <paramref name="status"/>.</summary>
    public void Finish(PvaStatus status)
    {
        lock (_lock)
        {
            if (_finished)
            {
                return;
            }

            _finished = true;
            _running = false;
            DropQueue();
        }

        _connection.SendFinishLater(this, status);
        _connection.ForgetOperation(Ioid);
        if (Distributor is not null)
        {
            _pv.LeaveDistributor(Distributor);
        }
    }

    /// <summary>The client destroyed it or disconnected.</summary>
    public void Destroy()
    {
        lock (_lock)
        {
            _finished = true;
            _running = false;
            DropQueue();
        }

        _pv.Unsubscribe(this);
        if (Distributor is not null)
        {
            _pv.LeaveDistributor(Distributor);
        }
    }

    // Under _lock.
    private void DropQueue()
    {
        while (_queue.TryDequeue(out var e))
        {
            RecycleLocked(e);
        }

        _newest = null;
    }

    /// <summary>The connection encoded (or dropped) an entry this monitor handed it.</summary>
    public void Recycle(Entry entry)
    {
        lock (_lock)
        {
            RecycleLocked(entry);
        }
    }

    private void RecycleLocked(Entry entry)
    {
        entry.Value.Release();
        entry.Value = null!;
        if (_free.Count < 2 * _queueSize) // queued plus handed to the send loop (at most a window's worth when pipelined)
        {
            _free.Push(entry);
        }
    }

    /// <summary>One queued update: the post's shared snapshot and this subscriber's changed and overrun fields.</summary>
    internal sealed class Entry
    {
        public PostedValue Value { get; set; } = null!;

        public BitSet Changed { get; } = new();

        public BitSet Overrun { get; } = new();
    }
}
