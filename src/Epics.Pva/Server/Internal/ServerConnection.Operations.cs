using Epics.Pva.Data;
using Epics.Pva.Protocol;
using Epics.Pva.Protocol.Messages;

namespace Epics.Pva.Server.Internal;

// INIT of every operation and the dispatch of the requests that follow it.
internal sealed partial class ServerConnection
{
    private void HandleOperation(PvaCommand command, ref PvaReader r)
    {
        var head = OperationRequest.Read(ref r, command);
        if (head.IsInit)
        {
            Init(OperationInitRequest.ReadBody(ref r, command, head));
            return;
        }

        ServerOperation? op;
        lock (_lock)
        {
            _operations.TryGetValue(head.Ioid, out op);
        }

        if (op is null || op.Command != command)
        {
            // Unknown request ids are not fatal (spec); pvAccessCPP answers with an error.
            if (command != PvaCommand.Monitor)
            {
                Reply(command, head.Ioid, head.Sub, PvaStatus.Error("bad request id"));
            }

            return;
        }

        var sub = head.Sub;
        switch (command)
        {
            case PvaCommand.Monitor:
                MonitorCommand(op, MonitorRequest.ReadBody(ref r, head));
                break;
            case PvaCommand.Get:
                SendValue(command, op, sub, op.Channel.Pv.SnapshotOrNull());
                break;
            case PvaCommand.Put when (sub & SubCommand.Get) != 0:
            case PvaCommand.PutGet when (sub & (SubCommand.Get | SubCommand.GetPut)) != 0:
                SendValue(command, op, sub, op.Channel.Pv.SnapshotOrNull());
                break;
            case PvaCommand.Put or PvaCommand.PutGet:
                RunPut(op, sub, PutRequest.ReadBody(ref r, head, op.Type!).Value, getAfter: command == PvaCommand.PutGet);
                break;
            case PvaCommand.Rpc:
                RunRpc(op, sub, RpcRequest.ReadBody(ref r, head).Argument);
                break;
            case PvaCommand.Process:
                Reply(command, head.Ioid, sub, PvaStatus.Ok);
                break;
        }

        if (head.Destroys && command is PvaCommand.Get or PvaCommand.Process)
        {
            ForgetOperation(head.Ioid);
        }
    }

    private void Init(OperationInitRequest init)
    {
        var (command, sid, ioid, sub) = (init.Command, init.Sid, init.Ioid, init.Sub);
        ServerChannel? channel;
        lock (_lock)
        {
            _channels.TryGetValue(sid, out channel);
            if (channel is not null && (_operations.ContainsKey(ioid) || _held.ContainsKey(ioid)))
            {
                channel = null;
            }
            else if (channel is not null)
            {
                CheckOperationRoom();
            }
        }

        if (channel is null)
        {
            Reply(command, ioid, sub, PvaStatus.Error("bad channel id or request id in use"));
            return;
        }

        var type = channel.Pv.Type;
        if (type is null && command != PvaCommand.Rpc && command != PvaCommand.Process)
        {
            // No type to answer with yet: the INIT waits in the PV and is run again when it opens.
            switch (Hold(channel, ioid, command == PvaCommand.Monitor, command, sub, () => Init(init)))
            {
                case HoldResult.Held:
                    return;
                case HoldResult.Open:
                    Init(init);
                    return;
                default:
                    Reply(command, ioid, sub, HeldTooMany(channel));
                    return;
            }
        }

        if (command == PvaCommand.Rpc && !channel.Pv.SupportsRpc)
        {
            Reply(command, ioid, sub, PvaStatus.Error("RPC not supported by this channel"));
            return;
        }

        PvRequestSelection? selection = null;
        BitSet? mask = null;
        if (type is not null)
        {
            try
            {
                selection = PvRequest.Interpret(init.PvRequest, type);
                mask = FieldMask.ForWriting(selection.Mask, type);
            }
            catch (ArgumentException e)
            {
                Reply(command, ioid, sub, PvaStatus.Error(e.Message));
                return;
            }
        }

        var op = new ServerOperation(command, ioid, channel, type, mask ?? new BitSet(), init.PvRequest);
        if (command == PvaCommand.Monitor && !TryCreateMonitor(op, init, selection!))
        {
            return;
        }

        lock (_lock)
        {
            AddOperation(op);
        }

        this.SendMessage(OperationInitReply.Success(command, ioid, sub, type));
    }

    private void Reply(PvaCommand command, uint ioid, byte sub, PvaStatus status)
    {
        if (command == PvaCommand.GetField)
        {
            this.SendMessage(new GetFieldReply(ioid, status, null));
        }
        else
        {
            this.SendMessage(new StatusReply(command, ioid, sub, status));
        }
    }
}
