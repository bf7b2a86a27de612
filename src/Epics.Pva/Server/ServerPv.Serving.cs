using Epics.Pva.Data;
using Epics.Pva.Server.Internal;
using Microsoft.Extensions.Logging;

namespace Epics.Pva.Server;

// The side of a served PV that the server's connections use: subscriptions, held requests, client counting.
public abstract partial class ServerPv
{
    internal ValueTask PutAsync(PvPutRequest request, CancellationToken cancellationToken) => OnPutAsync(request, cancellationToken);

    internal bool SupportsRpc => HandlesRpc;

    internal ValueTask<PvValue?> RpcAsync(PvValue argument, CancellationToken cancellationToken) => OnRpcAsync(argument, cancellationToken);

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

    // A started monitor gets the whole current value first, then every post. Without a type it waits for Open; false
    // when the PV has another type than the monitor was created with.
    internal bool Subscribe(ServerMonitor monitor)
    {
        lock (_lock)
        {
            if (_current is not null && !monitor.Type.Equals(_current.Type))
            {
                return false;
            }

            _subscribers.Add(monitor);
            if (_current is null)
            {
                return true;
            }

            if (monitor.Distributor is not null)
            {
                _distributor.Decide(monitor.Distributor, _current); // the connect value: always sent, state untouched
            }

            PostedValue? posted = null;
            monitor.Enqueue(_current, AllFields(_current.Type), _postedValues, ref posted);
            posted?.Release();
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

    /// <summary>Holds <paramref name="request"/> until Open (false: the PV is open now, or too many are held).</summary>
    internal HoldResult TryHold(HeldRequest request)
    {
        lock (_lock)
        {
            if (_current is not null)
            {
                return HoldResult.Open;
            }

            if (_held.Count >= Options.MaxHeldRequests)
            {
                return HoldResult.Full;
            }

            _held.Add(request);
            var limit = request.IsMonitor ? Options.HeldMonitorTimeout : Options.HeldRequestTimeout;
            if (limit != Timeout.InfiniteTimeSpan)
            {
                request.Timer = Options.TimeProvider.CreateTimer(_ => HeldTimedOut(request, limit), null, limit, Timeout.InfiniteTimeSpan);
            }

            return HoldResult.Held;
        }
    }

    /// <summary>The client cancelled a held request or went away.</summary>
    internal void Unhold(HeldRequest request)
    {
        lock (_lock)
        {
            _held.Remove(request);
        }

        request.Cancel();
    }

    internal void AttachClient(string name, ILogger logger)
    {
        if (Interlocked.Increment(ref _clients) == 1)
        {
            Raise(FirstClientConnected, name, logger);
        }
    }

    internal void DetachClient(string name, ILogger logger)
    {
        if (Interlocked.Decrement(ref _clients) == 0)
        {
            Raise(LastClientDisconnected, name, logger);
        }
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

    private static BitSet AllFields(PvType type)
    {
        var all = new BitSet();
        all.SetRange(0, type.BitCount);
        return all;
    }

    private void ReopenTimedOut(int closeCount)
    {
        ServerMonitor[] finish;
        lock (_lock)
        {
            if (_current is not null || closeCount != _closeCount)
            {
                return; // opened again (or closed again, with its own timer) meanwhile
            }

            _reopenTimer?.Dispose();
            _reopenTimer = null;
            finish = [.. _subscribers];
            _subscribers.Clear();
        }

        FinishAll(finish);
    }

    private void FinishAll(ServerMonitor[] monitors)
    {
        foreach (var s in monitors)
        {
            s.Finish(PvaStatus.Ok);
        }

        OnQueueDrained();
    }

    private void HeldTimedOut(HeldRequest request, TimeSpan limit)
    {
        lock (_lock)
        {
            if (!_held.Remove(request))
            {
                return;
            }
        }

        request.Fail(PvaStatus.Error($"the PV was not opened within {limit.TotalSeconds:0.###} s"));
    }

    private void Raise(EventHandler? handler, string name, ILogger logger)
    {
        try
        {
            handler?.Invoke(this, EventArgs.Empty);
        }
        catch (Exception e)
        {
            ServerLog.HookFailed(logger, name, e.Message, e);
        }
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
}
