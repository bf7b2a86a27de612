using Epics.Pva.Data;
using Epics.Pva.Protocol;
using Epics.Pva.Protocol.Messages;

namespace Epics.Pva.Server.Internal;

// GET, PUT, PUT_GET and GET_FIELD.
internal sealed partial class ServerConnection
{
    private void AnswerGetField(GetFieldRequest request)
    {
        ServerChannel? channel;
        lock (_lock)
        {
            _channels.TryGetValue(request.Sid, out channel);
        }

        var type = channel?.Pv.Type;
        var status = PvaStatus.Ok;
        if (channel is null)
        {
            status = PvaStatus.Error("bad channel id");
        }
        else if (type is null)
        {
            switch (Hold(channel, request.Ioid, isMonitor: false, PvaCommand.GetField, 0, () => AnswerGetField(request)))
            {
                case HoldResult.Held:
                    return;
                case HoldResult.Open:
                    AnswerGetField(request);
                    return;
                default:
                    status = HeldTooMany(channel);
                    break;
            }
        }
        else if (request.SubField.Length > 0)
        {
            var offset = type.OffsetOf(request.SubField);
            if (offset < 0)
            {
                status = PvaStatus.Error($"no field '{request.SubField}' in {channel.Name}");
                type = null;
            }
            else
            {
                type = type.NodeAt(offset).Type;
            }
        }

        this.SendMessage(new GetFieldReply(request.Ioid, status, type));
    }

    private void SendValue(PvaCommand command, ServerOperation op, byte sub, PvValue? value)
    {
        if (value is null)
        {
            Reply(command, op.Ioid, sub, PvaStatus.Error($"{op.Channel.Name} has no value"));
            return;
        }

        if (op.Type is not null && !value.Type.Equals(op.Type))
        {
            // The PV was reopened with another type since this operation's INIT: its mask and the client's type are stale.
            Reply(command, op.Ioid, sub, PvaStatus.Error($"{op.Channel.Name} changed type; create the operation again"));
            value.Dispose();
            return;
        }

        // Mark the fields inside the request's selection (pvxs style: full type, masked fields).
        var bits = new BitSet();
        FieldMask.SelectChanged(value.Type, value.Changed, op.Mask, bits);
        this.SendMessage(DataReply.Success(command, op.Ioid, sub, value, bits));
        value.Dispose();
    }

    private void RunPut(ServerOperation op, byte sub, PvValue value, bool getAfter)
    {
        var pv = op.Channel.Pv;
        var context = new PvPutRequest(value, Peer, _user, op.Request) { Host = _host };
        var token = _handlers.Token;
        HandlerStarted();
        _ = Task.Run(async () =>
        {
            var status = PvaStatus.Ok;
            try
            {
                await pv.PutAsync(context, token).ConfigureAwait(false);
            }
            catch (UnauthorizedAccessException e)
            {
                // A refusal the handler decided (and logged with who and where): the client gets the reason, the server log no warning.
                status = PvaStatus.Error(e.Message);
            }
            catch (Exception e) when (e is not OperationCanceledException || !token.IsCancellationRequested)
            {
                ServerLog.PutFailed(Logger, op.Channel.Name, PeerName, e.Message, e);
                status = PvaStatus.Error(e.Message);
            }

            if (getAfter && status.IsSuccess)
            {
                SendValue(PvaCommand.PutGet, op, sub, pv.SnapshotOrNull());
            }
            else
            {
                Reply(op.Command, op.Ioid, sub, status);
            }

            if ((sub & SubCommand.Destroy) != 0)
            {
                ForgetOperation(op.Ioid);
            }
        }, CancellationToken.None).ContinueWith(static (_, c) => ((ServerConnection)c!).HandlerEnded(), this, TaskScheduler.Default);
    }
}
