using Epics.Pva.Data;
using Epics.Pva.Protocol;
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
            RemoveOperation(ioid);
        }
    }

    // Under _lock. Channels and operations are bounded per connection (PvaLimits): one over closes the connection.
    private void CheckOperationRoom()
    {
        if (_operations.Count + _held.Count >= Limits.MaxOperationsPerConnection)
        {
            ProtocolErrors.Throw($"more than {Limits.MaxOperationsPerConnection} operations on one connection");
        }
    }

    // Under _lock.
    private void AddOperation(ServerOperation op)
    {
        _operations[op.Ioid] = op;
        op.Channel.Ioids.Add(op.Ioid);
    }

    // Under _lock.
    private ServerOperation? RemoveOperation(uint ioid)
    {
        if (!_operations.Remove(ioid, out var op))
        {
            return null;
        }

        op.Channel.Ioids.Remove(ioid);
        return op;
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
                if (_channels.Count >= Limits.MaxChannelsPerConnection)
                {
                    ProtocolErrors.Throw($"more than {Limits.MaxChannelsPerConnection} channels on one connection");
                }

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

            foreach (var ioid in channel.Ioids)
            {
                if (_operations.Remove(ioid, out var op))
                {
                    ops.Add(op);
                }
                else if (_held.Remove(ioid, out var h))
                {
                    held.Add(h.Request);
                }
            }

            channel.Ioids.Clear();
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
            op = RemoveOperation(ioid);
            if (_held.Remove(ioid, out held))
            {
                held.Channel.Ioids.Remove(ioid);
            }
        }

        op?.Monitor?.Destroy();
        held.Channel?.Pv.Unhold(held.Request);
    }
}
