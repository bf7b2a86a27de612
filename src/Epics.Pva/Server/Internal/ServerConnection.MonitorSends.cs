using Epics.Pva.Data;
using Epics.Pva.Protocol.Messages;

namespace Epics.Pva.Server.Internal;

// Monitor updates are encoded on this connection's send loop, not on the thread that posted the value (nor on the
// receive loop that took an ack). A monitor's flush takes entries off its queue exactly when it did when it encoded them
// itself (window and backlog permitting), but only hands them here: each entry holds a reference to the post's shared
// snapshot and its own bit sets, so the producer's cost per post no longer includes one encoding per subscriber.
// A monitor's final message goes through the same list, so it follows the updates handed over before it.
internal sealed partial class ServerConnection
{
    // What an update waiting for the send loop is counted as at least (its entry and bit sets), so that a stream of tiny
    // updates still fills the backlog's bound long before the entries use much memory.
    private const long MinDeferredBytes = 256;

    // One wake of the send loop encodes updates until its batch holds this much, and leaves the rest for the next batch:
    // the batch buffers stay small (a pipeline of 4 x 64 small frames would otherwise grow them to 8 MiB arrays on the
    // large object heap, each growth counting towards a gen2 collection), and the first bytes go out sooner.
    private const long MaxEncodedBatch = 1024 * 1024;

    private readonly Lock _outgoingLock = new();
    private List<OutgoingMonitorMessage> _outgoing = [];
    private List<OutgoingMonitorMessage> _encoding = [];
    private bool _outgoingClosed;

    /// <summary>Hands a dequeued update to the send loop (called under the monitor's lock, in queue order).</summary>
    public void SendUpdateLater(ServerMonitor monitor, ServerMonitor.Entry entry)
    {
        var bytes = Deferred(entry);
        lock (_outgoingLock)
        {
            if (_outgoingClosed)
            {
                monitor.Recycle(entry);
                return;
            }

            _outgoing.Add(new OutgoingMonitorMessage(monitor, entry, default));
            AddDeferredBytes(bytes);
        }

        WakeSendLoop();
    }

    /// <summary>Queues a monitor's final message behind the updates it handed over before.</summary>
    public void SendFinishLater(ServerMonitor monitor, PvaStatus status)
    {
        lock (_outgoingLock)
        {
            if (_outgoingClosed)
            {
                return;
            }

            _outgoing.Add(new OutgoingMonitorMessage(monitor, null, status));
        }

        WakeSendLoop();
    }

    protected override void OnSendLoopWake()
    {
        List<OutgoingMonitorMessage> encoding;
        lock (_outgoingLock)
        {
            if (_outgoing.Count == 0)
            {
                return;
            }

            encoding = _outgoing;
            _outgoing = _encoding;
            _encoding = encoding;
        }

        // Only this send loop uses the list it took.
        var done = 0;
        foreach (var (monitor, entry, status) in encoding)
        {
            if (EncodedPendingBytes >= MaxEncodedBatch)
            {
                break;
            }

            done++;
            if (entry is null)
            {
                this.SendMessage(new MonitorFinish(monitor.Ioid, status));
                continue;
            }

            try
            {
                this.SendMessage(new MonitorUpdate(monitor.Ioid, entry.Value.Value, entry.Changed, entry.Overrun));
            }
            finally
            {
                AddDeferredBytes(-Deferred(entry));
                monitor.Recycle(entry);
            }
        }

        if (done < encoding.Count)
        {
            // The rest goes first in the next batch, ahead of what was handed over meanwhile.
            encoding.RemoveRange(0, done);
            var handedBack = false;
            lock (_outgoingLock)
            {
                if (!_outgoingClosed)
                {
                    encoding.AddRange(_outgoing);
                    _outgoing.Clear();
                    (_outgoing, _encoding) = (encoding, _outgoing);
                    handedBack = true;
                }
            }

            if (handedBack)
            {
                WakeSendLoop();
                return;
            }

            Recycle(encoding); // closed meanwhile
        }

        encoding.Clear();
    }

    // The connection closed: what was handed over is never sent; its snapshots go back.
    private void DropOutgoing()
    {
        List<OutgoingMonitorMessage> dropped;
        lock (_outgoingLock)
        {
            _outgoingClosed = true;
            dropped = _outgoing;
            _outgoing = [];
        }

        Recycle(dropped);
    }

    private void Recycle(List<OutgoingMonitorMessage> dropped)
    {
        foreach (var (monitor, entry, _) in dropped)
        {
            if (entry is not null)
            {
                AddDeferredBytes(-Deferred(entry));
                monitor.Recycle(entry);
            }
        }
    }

    private static long Deferred(ServerMonitor.Entry entry) => Math.Max(MinDeferredBytes, entry.Value.EstimatedBytes);

    private readonly record struct OutgoingMonitorMessage(ServerMonitor Monitor, ServerMonitor.Entry? Entry, PvaStatus FinishStatus);
}
