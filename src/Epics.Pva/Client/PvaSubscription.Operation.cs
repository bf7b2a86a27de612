using Epics.Pva.Client.Internal;
using Epics.Pva.Data;
using Epics.Pva.Protocol;
using Epics.Pva.Protocol.Messages;

namespace Epics.Pva.Client;

// The protocol side of a subscription.
public sealed partial class PvaSubscription
{
    /// <summary>The protocol side of a subscription on one connection (re-created after every reconnect).</summary>
    internal sealed class MonitorOperation(PvaSubscription owner, ClientConnection connection, uint sid) : ClientOperation, IChannelOperation
    {
        private readonly BitSet _scratch = new();
        private readonly BitSet _overrun = new();
        private PvValue? _current;
        private int _unacked;

        public PvaChannel Channel => owner._channel;

        public void Start(PvValue request, int window)
        {
            if (!connection.Register(this))
            {
                return;
            }

            connection.SendMessage(OperationInitRequest.Create(PvaCommand.Monitor, sid, Ioid, request, (uint)Math.Max(window, 0)));
        }

        public override void OnReply(PvaCommand command, ref PvaReader reader)
        {
            var head = OperationReplyHead.Peek(reader);
            if (head.IsInit)
            {
                var init = OperationInitReply.Read(ref reader, PvaCommand.Monitor);
                if (!init.Status.IsSuccess)
                {
                    connection.Unregister(this);
                    owner.OnFinished(this, init.Status);
                    return;
                }

                _current = new PvValue(init.Type!);
                connection.SendMessage(MonitorRequest.Start(sid, Ioid));
                owner.OnStarted(this, init.Type!);
                return;
            }

            if (head.IsFinish)
            {
                var finish = MonitorFinish.Read(ref reader);
                if (!reader.IsEmpty && _current is not null)
                {
                    MonitorUpdate.ReadDataInto(ref reader, _current, _scratch, _overrun);
                    owner.OnUpdate(this, _current, _overrun);
                }

                connection.Unregister(this);
                owner.OnFinished(this, finish.Status);
                return;
            }

            if (_current is null)
            {
                return;
            }

            MonitorUpdate.ReadInto(ref reader, _current, _scratch, _overrun);
            owner.OnUpdate(this, _current, _overrun);
        }

        // Called when the application takes an update: with pipelining, give the server its window back.
        public void Consumed()
        {
            if (!owner._pipeline || connection.IsClosed)
            {
                return;
            }

            if (++_unacked >= owner._ackThreshold)
            {
                var n = _unacked;
                _unacked = 0;
                connection.SendMessage(MonitorRequest.Ack(sid, Ioid, (uint)n));
            }
        }

        public void Destroy()
        {
            if (!connection.IsClosed)
            {
                connection.DestroyRequest(this, sid);
            }
        }

        public override void OnDisconnected(string reason)
        {
        }
    }
}
