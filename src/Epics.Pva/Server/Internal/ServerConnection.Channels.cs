using Epics.Pva.Data;
using Epics.Pva.Protocol.Messages;

namespace Epics.Pva.Server.Internal;

// Channels (CREATE_CHANNEL, DESTROY_CHANNEL) and the end of operations (DESTROY_REQUEST, CANCEL_REQUEST, a destroy
// sub-command, a destroyed channel).
internal sealed partial class ServerConnection
{
    public void ForgetOperation(uint ioid)
    {
        lock (_lock)
        {
            _operations.Remove(ioid);
            RebuildMonitors();
        }
    }

    private void CreateChannel(CreateChannelRequest request)
    {
        var pv = _server.Find(request.Name);
        var sid = CreateChannelResponse.NoSid;
        var closed = false;
        var status = PvaStatus.Ok;
        if (pv is null)
        {
            status = new PvaStatus(StatusType.Fatal, $"channel {request.Name} not found");
        }
        else
        {
            lock (_lock)
            {
                // Checked under the lock: OnClosed detaches the channels it finds, so one added after it would stay counted.
                closed = IsClosed;
                while (!closed && _channels.ContainsKey(_nextSid))
                {
                    _nextSid++;
                }

                sid = _nextSid++;
                if (!closed)
                {
                    _channels[sid] = new ServerChannel(sid, request.Cid, request.Name, pv);
                }
            }

            if (closed)
            {
                return;
            }

            pv.AttachClient(request.Name, Logger);
        }

        this.SendMessage(new CreateChannelResponse(request.Cid, sid, status));
    }

    private bool RemoveChannel(uint sid)
    {
        List<ServerOperation> ops = [];
        List<HeldRequest> held = [];
        ServerChannel? channel;
        lock (_lock)
        {
            if (!_channels.Remove(sid, out channel))
            {
                return false;
            }

            foreach (var (ioid, h) in _held)
            {
                if (h.Channel.Sid == sid)
                {
                    held.Add(h.Request);
                }
            }

            foreach (var h in held)
            {
                _held.Remove(h.Ioid);
            }

            foreach (var (ioid, op) in _operations)
            {
                if (op.Channel.Sid == sid)
                {
                    ops.Add(op);
                }
            }

            foreach (var op in ops)
            {
                _operations.Remove(op.Ioid);
            }

            RebuildMonitors();
        }

        foreach (var op in ops)
        {
            op.Monitor?.Destroy();
        }

        foreach (var h in held)
        {
            channel.Pv.Unhold(h);
        }

        channel.Pv.DetachClient(channel.Name, Logger);
        return true;
    }

    private void DestroyOperation(uint ioid)
    {
        ServerOperation? op;
        (HeldRequest Request, ServerChannel Channel) held;
        lock (_lock)
        {
            _operations.Remove(ioid, out op);
            _held.Remove(ioid, out held);
            RebuildMonitors();
        }

        op?.Monitor?.Destroy();
        held.Channel?.Pv.Unhold(held.Request);
    }
}
