using Epics.Pva.Data;
using Epics.Pva.Protocol.Messages;

namespace Epics.Pva.Server.Internal;

// RPC: the PV's handler runs on the thread pool; its result or failure is the reply.
internal sealed partial class ServerConnection
{
    private void RunRpc(ServerOperation op, byte sub, PvValue argument)
    {
        var pv = op.Channel.Pv;
        var token = _handlers.Token;
        HandlerStarted();
        _ = Task.Run(async () =>
        {
            PvValue? result = null;
            var status = PvaStatus.Ok;
            try
            {
                result = await pv.RpcAsync(argument, token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !token.IsCancellationRequested)
            {
                ServerLog.RpcFailed(Logger, op.Channel.Name, PeerName, e.Message, e);
                status = PvaStatus.Error(e.Message);
            }

            this.SendMessage(new RpcReply(op.Ioid, sub, status, result));
            if ((sub & SubCommand.Destroy) != 0)
            {
                ForgetOperation(op.Ioid);
            }
        }, CancellationToken.None).ContinueWith(static (_, c) => ((ServerConnection)c!).HandlerEnded(), this, TaskScheduler.Default);
    }
}
