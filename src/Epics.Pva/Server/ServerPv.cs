using Epics.Pva.Data;
using Epics.Pva.Server.Internal;

namespace Epics.Pva.Server;

/// <summary>
/// A PV a <see cref="PvaServer"/> serves: a type and a current value. <see cref="Post"/> publishes changed fields to
/// every subscriber, gets read the current value, puts go to <see cref="OnPutAsync"/> and RPC calls to
/// <see cref="OnRpcAsync"/>. <see cref="SharedPv"/> is the ready-made kind (handlers as delegates); derive from this
/// class to serve a custom PV from an <see cref="IPvSource"/>. One PV may be served under several names.
/// <para>
/// <b>Without a type</b> (never opened, or closed): clients find the PV and create channels; the INIT of gets, puts
/// and monitors and GET_FIELD requests are held until <see cref="Open"/> and then answered with the type given there,
/// within the bounds of <see cref="ServerPvOptions"/> (past them a request fails with an error status). RPC does not
/// need a type and is never held.
/// </para>
/// <para>
/// <b>Type changes</b>: <see cref="Close"/> then <see cref="Open"/> with another type finishes every subscription with
/// <see cref="TypeChangedStatus"/> (a success status: any client sees its subscription end normally); the
/// <see cref="Client.PvaClient"/> subscriptions re-subscribe by themselves on the new type. Reopening with the same type
/// continues the subscriptions (each gets the whole new value). A close not followed by an open within
/// <see cref="ServerPvOptions.ReopenTimeout"/> finishes the subscriptions with an OK status: the PV went away.
/// </para>
/// </summary>
public abstract partial class ServerPv
{
    private readonly Lock _lock = new();
    private readonly SubscriberList _subscribers = [];
    private readonly List<HeldRequest> _held = [];
    private readonly Distributor _distributor = new();
    private readonly PostedValuePool _postedValues = new();
    private PvValue? _current;
    private ITimer? _reopenTimer;
    private int _closeCount;
    private int _clients;
    private TaskCompletionSource? _roomWaiter;

    /// <summary>A PV without a type yet, with <paramref name="options"/> (null: <see cref="ServerPvOptions.Default"/>).</summary>
    protected ServerPv(ServerPvOptions? options) => Options = options ?? ServerPvOptions.Default;

    /// <summary>
    /// The status that ends subscriptions when the PV reopens with another type: a warning (a success) whose message
    /// tells our client to subscribe again.
    /// </summary>
    public static PvaStatus TypeChangedStatus { get; } = new(StatusType.Warning, "type changed");

    /// <summary>How requests wait while the PV has no type.</summary>
    public ServerPvOptions Options { get; }

    /// <summary>
    /// Raised when the first client creates a channel to this PV (under any of its names), on the network thread:
    /// start producing here if the PV should only work while watched. Must not block.
    /// </summary>
    public event EventHandler? FirstClientConnected;

    /// <summary>Raised when the last client channel to this PV goes away (destroyed or disconnected). Must not block.</summary>
    public event EventHandler? LastClientDisconnected;

    /// <summary>The type, while open.</summary>
    public PvType? Type
    {
        get
        {
            lock (_lock)
            {
                return _current?.Type;
            }
        }
    }

    /// <summary>Whether the PV has a type and value.</summary>
    public bool IsOpen
    {
        get
        {
            lock (_lock)
            {
                return _current is not null;
            }
        }
    }

    /// <summary>Number of active monitors.</summary>
    public int SubscriberCount
    {
        get
        {
            lock (_lock)
            {
                return _subscribers.Count;
            }
        }
    }

    /// <summary>Number of client channels to this PV now.</summary>
    public int ClientCount => Volatile.Read(ref _clients);

    /// <summary>Requests waiting for <see cref="Open"/> now.</summary>
    public int HeldRequestCount
    {
        get
        {
            lock (_lock)
            {
                return _held.Count;
            }
        }
    }

    /// <summary>State and counters of every active subscription (a snapshot).</summary>
    public IReadOnlyList<SubscriberStatistics> Subscribers
    {
        get
        {
            lock (_lock)
            {
                return [.. _subscribers.Select(s => s.Statistics)];
            }
        }
    }

    /// <summary>
    /// Gives the PV its type and value (all fields count as set) and answers the requests held meanwhile. See the class
    /// remarks for what happens to subscriptions when the PV was open before with another type.
    /// </summary>
    /// <exception cref="InvalidOperationException">The PV is open.</exception>
    public void Open(PvValue initial)
    {
        ArgumentNullException.ThrowIfNull(initial);
        HeldRequest[] held;
        List<ServerMonitor> changed = [];
        lock (_lock)
        {
            if (_current is not null)
            {
                throw new InvalidOperationException("PV is already open");
            }

            _current = initial.Clone();
            _current.MarkAllChanged();
            _reopenTimer?.Dispose();
            _reopenTimer = null;
            var all = AllFields(_current.Type);
            PostedValue? posted = null;
            foreach (var s in _subscribers)
            {
                if (s.Type.Equals(_current.Type))
                {
                    s.Enqueue(_current, all, _postedValues, ref posted); // the subscription goes on: the whole value, as at its start
                }
                else
                {
                    changed.Add(s);
                }
            }

            posted?.Release();
            foreach (var s in changed)
            {
                _subscribers.Remove(s);
            }

            held = [.. _held];
            _held.Clear();
        }

        foreach (var s in changed)
        {
            s.Finish(TypeChangedStatus);
        }

        foreach (var h in held)
        {
            h.Release();
        }

        if (changed.Count > 0)
        {
            OnQueueDrained();
        }
    }

    /// <summary>
    /// Publishes the fields marked in <paramref name="update"/> (same type as the PV): they are copied into the current
    /// value and sent to every subscriber. Cheap for frames: arrays are shared, not copied.
    /// </summary>
    /// <exception cref="InvalidOperationException">The PV is not open.</exception>
    public void Post(PvValue update)
    {
        lock (_lock)
        {
            var current = _current ?? throw new InvalidOperationException("PV is not open");
            current.Apply(update, update.Changed);

            // One copy of the value per post, shared by every subscriber's queue entry (not one per subscriber).
            PostedValue? posted = null;
            foreach (var s in _subscribers)
            {
                // Subscribers are in connection order, which is what makes the distributor "first connected, first served".
                if (s.Distributor is null || _distributor.Decide(s.Distributor, current))
                {
                    s.Enqueue(current, update.Changed, _postedValues, ref posted);
                }
                else
                {
                    s.Skip(current, update.Changed);
                }
            }

            posted?.Release();
        }
    }

    /// <summary>
    /// Back-pressure for a producer that must not lose updates: completes at once while every subscriber's queue has
    /// room for another update, otherwise when every queue has drained to half. A producer awaiting this before each
    /// <see cref="Post"/> runs as fast as the slowest subscriber takes updates, and none are squashed.
    /// </summary>
    public ValueTask WaitForRoomAsync(CancellationToken cancellationToken = default)
    {
        Task wait;
        lock (_lock)
        {
            if (AllHaveRoom(halfEmpty: false))
            {
                return ValueTask.CompletedTask;
            }

            _roomWaiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            wait = _roomWaiter.Task;
        }

        return new ValueTask(wait.WaitAsync(cancellationToken));
    }

    /// <summary>A copy of the current value (all fields marked).</summary>
    /// <exception cref="InvalidOperationException">The PV is not open.</exception>
    public PvValue Snapshot() => SnapshotOrNull() ?? throw new InvalidOperationException("PV is not open");

    /// <summary>
    /// Takes the PV's type and value away; it may be opened again. Subscriptions wait up to
    /// <see cref="ServerPvOptions.ReopenTimeout"/> for that and then finish (clients see them end); new requests are
    /// held as before the first open. A second close is ignored.
    /// </summary>
    public void Close()
    {
        ServerMonitor[] finish = [];
        lock (_lock)
        {
            if (_current is null)
            {
                return;
            }

            _current.Dispose();
            _current = null;
            var closeCount = ++_closeCount;
            if (Options.ReopenTimeout == Timeout.InfiniteTimeSpan)
            {
                // Subscriptions wait for the next Open however long it takes.
            }
            else if (Options.ReopenTimeout > TimeSpan.Zero)
            {
                _reopenTimer = Options.TimeProvider.CreateTimer(_ => ReopenTimedOut(closeCount), null, Options.ReopenTimeout, Timeout.InfiniteTimeSpan);
            }
            else
            {
                finish = [.. _subscribers];
                _subscribers.Clear();
            }
        }

        FinishAll(finish);
    }

    /// <summary>Handles a client's put. Throw to reject it (the message goes back to the client). Default: <see cref="Post"/>.</summary>
    protected virtual ValueTask OnPutAsync(PvPutRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        Post(request.Value);
        return ValueTask.CompletedTask;
    }

    /// <summary>Whether this PV answers RPC calls (false: clients get "RPC not supported" at once).</summary>
    protected virtual bool HandlesRpc => false;

    /// <summary>Handles an RPC call: receives the argument, returns the result (or null). Throw to answer with an error.</summary>
    protected virtual ValueTask<PvValue?> OnRpcAsync(PvValue argument, CancellationToken cancellationToken) =>
        throw new NotSupportedException("RPC not supported by this channel");
}

/// <summary>What <see cref="ServerPv.TryHold"/> did with a request.</summary>
internal enum HoldResult
{
    /// <summary>Waiting for Open.</summary>
    Held,

    /// <summary>The PV has a type now: go on at once.</summary>
    Open,

    /// <summary>Too many requests held: fail it.</summary>
    Full,
}
