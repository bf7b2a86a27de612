using Epics.Pva.Data;
using Epics.Pva.Server.Internal;

namespace Epics.Pva.Server;

/// <summary>
/// A PV served with a type and a current value, the simple "mailbox" case: <see cref="Post"/> publishes changed
/// fields to every subscriber, gets read the current value, puts go to <see cref="PutHandler"/> (by default they are
/// applied and posted), RPC calls go to <see cref="RpcHandler"/>. One SharedPv may be served under several names.
/// </summary>
public sealed class SharedPv
{
    private readonly Lock _lock = new();
    private readonly List<ServerMonitor> _subscribers = [];
    private readonly Distributor _distributor = new();
    private PvValue? _current;
    private TaskCompletionSource? _roomWaiter;

    /// <summary>A PV that is not yet open: clients can find it but operations wait for <see cref="Open"/>.</summary>
    public SharedPv()
    {
    }

    /// <summary>An open PV with <paramref name="initial"/> as its type and value.</summary>
    public SharedPv(PvValue initial) => Open(initial);

    /// <summary>Handles client puts. Throw to reject (the message goes back to the client). Default: <see cref="Post"/>.</summary>
    public Func<PvPutRequest, CancellationToken, ValueTask>? PutHandler { get; set; }

    /// <summary>Handles RPC calls: receives the argument, returns the result (or null). Throw to answer with an error.</summary>
    public Func<PvValue, CancellationToken, ValueTask<PvValue?>>? RpcHandler { get; set; }

    /// <summary>The type, once open.</summary>
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

    /// <summary>Whether the PV has a value.</summary>
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

    /// <summary>Gives the PV its type and initial value (all fields count as set).</summary>
    public void Open(PvValue initial)
    {
        lock (_lock)
        {
            if (_current is not null)
            {
                throw new InvalidOperationException("PV is already open");
            }

            _current = initial.Clone();
            _current.MarkAllChanged();
        }
    }

    /// <summary>
    /// Publishes the fields marked in <paramref name="update"/> (same type as the PV): they are copied into the current
    /// value and sent to every subscriber. Cheap for frames: arrays are shared, not copied.
    /// </summary>
    public void Post(PvValue update)
    {
        lock (_lock)
        {
            var current = _current ?? throw new InvalidOperationException("PV is not open");
            current.Apply(update, update.Changed);
            foreach (var s in _subscribers)
            {
                // Subscribers are in connection order, which is what makes the distributor "first connected, first served".
                if (s.Distributor is null || _distributor.Decide(s.Distributor, current))
                {
                    s.Enqueue(current, update.Changed);
                }
            }
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
    public PvValue Snapshot()
    {
        lock (_lock)
        {
            var copy = (_current ?? throw new InvalidOperationException("PV is not open")).Clone();
            copy.MarkAllChanged();
            return copy;
        }
    }

    /// <summary>Closes the PV: monitors end (clients see the subscription finish); the PV may be opened again.</summary>
    public void Close()
    {
        ServerMonitor[] subs;
        lock (_lock)
        {
            subs = [.. _subscribers];
            _subscribers.Clear();
            _current?.Dispose();
            _current = null;
        }

        foreach (var s in subs)
        {
            s.Finish();
        }

        OnQueueDrained();
    }

    internal PvValue? SnapshotOrNull()
    {
        lock (_lock)
        {
            if (_current is null)
            {
                return null;
            }

            var copy = _current.Clone();
            copy.MarkAllChanged();
            return copy;
        }
    }

    // A started monitor gets the whole current value first, then every post.
    internal bool Subscribe(ServerMonitor monitor)
    {
        lock (_lock)
        {
            if (_current is null)
            {
                return false;
            }

            _subscribers.Add(monitor);
            if (monitor.Distributor is not null)
            {
                _distributor.Decide(monitor.Distributor, _current); // the connect value: always sent, state untouched
            }

            var all = new BitSet();
            all.SetRange(0, _current.Type.BitCount);
            monitor.Enqueue(_current, all);
            return true;
        }
    }

    internal void Unsubscribe(ServerMonitor monitor)
    {
        lock (_lock)
        {
            _subscribers.Remove(monitor);
        }

        OnQueueDrained();
    }

    /// <summary>A subscriber sent an update (or left): wakes a producer waiting in <see cref="WaitForRoomAsync"/>.</summary>
    internal void OnQueueDrained()
    {
        // Always under the lock: checking for a waiter outside it lost the wake-up of a producer that registered just
        // after this subscriber's queue emptied, and the stream stopped for good.
        TaskCompletionSource? waiter;
        lock (_lock)
        {
            if (_roomWaiter is null || !AllHaveRoom(halfEmpty: true))
            {
                return;
            }

            waiter = _roomWaiter;
            _roomWaiter = null;
        }

        waiter.TrySetResult();
    }

    private bool AllHaveRoom(bool halfEmpty)
    {
        foreach (var s in _subscribers)
        {
            if (!s.HasRoom(halfEmpty))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Adds a client monitor to the distributor (at monitor creation, as pvDatabase does).</summary>
    internal DistributorMember JoinDistributor(PvDistributorOptions settings)
    {
        lock (_lock)
        {
            return _distributor.Join(settings);
        }
    }

    internal void LeaveDistributor(DistributorMember member)
    {
        lock (_lock)
        {
            _distributor.Leave(member);
        }
    }
}
