namespace Epics.Pva.Server.Internal;

// A client that sends requests and does not read the replies must not make the server buffer them without end: past
// PvaLimits.MaxReplyBacklog the receive loop waits until the backlog drains, and a client that takes none of it for
// the connection timeout is closed. Likewise past PvaLimits.MaxRunningHandlers put and RPC calls still running, until
// one ends. Monitors that found the connection full wait here for room too, so that a send
// wakes only them, not every monitor of the connection.
internal sealed partial class ServerConnection
{
    private readonly Lock _backlogLock = new();
    private HashSet<ServerMonitor> _waitingForRoom = new(ReferenceEqualityComparer.Instance);
    private HashSet<ServerMonitor> _flushingAfterSend = new(ReferenceEqualityComparer.Instance); // only the send loop uses it
    private TaskCompletionSource? _drained;
    private long _lastSendCompleted;
    private int _runningHandlers;

    /// <summary>Whether the receive loop is holding back this client's requests now.</summary>
    public bool IsHeldBack
    {
        get
        {
            lock (_backlogLock)
            {
                return _drained is not null;
            }
        }
    }

    /// <summary>A monitor with updates to send found the connection's backlog full: flush it after the next send.</summary>
    public void WaitForRoom(ServerMonitor monitor)
    {
        lock (_backlogLock)
        {
            _waitingForRoom.Add(monitor);
        }
    }

    // A put or RPC handler is about to run for this client / has ended.
    private void HandlerStarted() => Interlocked.Increment(ref _runningHandlers);

    private void HandlerEnded()
    {
        Interlocked.Decrement(ref _runningHandlers);
        ReleaseIfRoom();
    }

    private bool MayRead => PendingBytes <= Limits.MaxReplyBacklog && Volatile.Read(ref _runningHandlers) < Limits.MaxRunningHandlers;

    protected override ValueTask BeforeReceiveAsync(CancellationToken cancellationToken)
    {
        if (MayRead)
        {
            return ValueTask.CompletedTask;
        }

        Task wait;
        lock (_backlogLock)
        {
            // Checked again under the lock: OnSendCompleted and HandlerEnded release the waiter under it, so no wake-up
            // is lost.
            if (MayRead)
            {
                return ValueTask.CompletedTask;
            }

            if (_drained is null)
            {
                _drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _lastSendCompleted = TimeProvider.GetTimestamp();
                ServerLog.ReadingHeldBack(Logger, PeerName, PendingBytes, Volatile.Read(ref _runningHandlers));
            }

            wait = _drained.Task;
        }

        return new ValueTask(wait.WaitAsync(cancellationToken));
    }

    private void ReleaseIfRoom()
    {
        TaskCompletionSource? drained = null;
        lock (_backlogLock)
        {
            if (_drained is not null && MayRead)
            {
                drained = _drained;
                _drained = null;
            }
        }

        drained?.TrySetResult();
    }

    protected override void OnSendCompleted()
    {
        TaskCompletionSource? drained = null;
        HashSet<ServerMonitor>? waiting = null;
        lock (_backlogLock)
        {
            _lastSendCompleted = TimeProvider.GetTimestamp();
            if (_drained is not null && MayRead)
            {
                drained = _drained;
                _drained = null;
            }

            if (_waitingForRoom.Count > 0)
            {
                // The two sets swap (no allocation per send): monitors that wait again meanwhile go into the other one.
                waiting = _waitingForRoom;
                _waitingForRoom = _flushingAfterSend;
                _flushingAfterSend = waiting;
            }
        }

        drained?.TrySetResult();
        if (waiting is not null)
        {
            foreach (var m in waiting)
            {
                m.Flush(); // one that still finds no room waits again
            }

            waiting.Clear();
        }
    }

    // From the timer: true when the client has been held back for its unread replies (not for handlers that take their
    // time) and has taken nothing for the connection timeout.
    private bool NotReadingTooLong(out double seconds)
    {
        lock (_backlogLock)
        {
            seconds = TimeProvider.GetElapsedTime(_lastSendCompleted).TotalSeconds;
            return _drained is not null && Volatile.Read(ref _runningHandlers) < Limits.MaxRunningHandlers
                && seconds > _server.Options.ConnectionTimeout.TotalSeconds;
        }
    }

    private void DropWaitingMonitors()
    {
        lock (_backlogLock)
        {
            _waitingForRoom.Clear();
            _drained?.TrySetCanceled();
            _drained = null;
        }
    }
}
