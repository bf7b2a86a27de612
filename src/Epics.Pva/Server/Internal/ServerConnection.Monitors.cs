using Epics.Pva.Data;
using Epics.Pva.Protocol.Messages;

namespace Epics.Pva.Server.Internal;

// MONITOR: creation at INIT (queue size within the limit), start/stop/ack/destroy. Queues wait for room in the
// connection through WaitForRoom (ServerConnection.Backlog.cs).
internal sealed partial class ServerConnection
{
    private bool TryCreateMonitor(ServerOperation op, OperationInitRequest init, PvRequestSelection selection)
    {
        var queueSize = selection.QueueSize ?? 4;
        if (queueSize > Limits.MaxMonitorQueueSize)
        {
            ServerLog.QueueSizeClamped(Logger, op.Channel.Name, PeerName, queueSize, Limits.MaxMonitorQueueSize);
            queueSize = Limits.MaxMonitorQueueSize;
        }

        var pipeline = selection.Pipeline || (init.Sub & SubCommand.GetPut) != 0;
        if (pipeline && queueSize < 2)
        {
            Reply(init.Command, init.Ioid, init.Sub, PvaStatus.Error("can not pipeline invalid queueSize"));
            return false;
        }

        var pv = op.Channel.Pv;
        var member = selection.Distributor is { IsEnabled: true } d ? pv.JoinDistributor(d) : null;
        op.Monitor = new ServerMonitor(this, init.Ioid, pv, op.Channel.Name, op.Type!, op.Mask, queueSize, pipeline,
            pipeline ? (int)Math.Clamp(init.Window, 1u, int.MaxValue) : 0, member);
        return true;
    }

    private void MonitorCommand(ServerOperation op, MonitorRequest request)
    {
        var monitor = op.Monitor!;
        if (request.IsAck)
        {
            monitor.Ack(request.Acknowledged);
        }

        if ((request.Sub & SubCommand.Process) != 0)
        {
            if ((request.Sub & SubCommand.Get) != 0)
            {
                monitor.Start();
            }
            else
            {
                monitor.Stop();
            }
        }

        if ((request.Sub & SubCommand.Destroy) != 0)
        {
            ForgetOperation(op.Ioid);
            monitor.Destroy();
        }
    }
}
