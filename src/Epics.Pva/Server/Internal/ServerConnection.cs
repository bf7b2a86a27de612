using System.Net.Sockets;
using Epics.Pva.Data;
using Epics.Pva.Protocol;
using Epics.Pva.Protocol.Messages;
using Epics.Pva.Transport;

namespace Epics.Pva.Server.Internal;

/// <summary>
/// The server end of one client connection: handshake, channels, and the operations GET, PUT, PUT_GET, MONITOR,
/// RPC, GET_FIELD and PROCESS. Requests are decoded on the receive loop; put and RPC handlers run on the thread pool.
/// Requests on a PV without a type are held in the PV (<see cref="HeldRequest"/>) and go on when it opens.
/// </summary>
internal sealed partial class ServerConnection : PvaConnection
{
    private static readonly string[] AuthMethods = ["anonymous", "ca"];

    private readonly PvaServer _server;
    private readonly Lock _lock = new();
    private readonly Dictionary<uint, ServerChannel> _channels = [];
    private readonly Dictionary<uint, ServerOperation> _operations = [];
    private readonly Dictionary<uint, (HeldRequest Request, ServerChannel Channel)> _held = [];
    private ServerMonitor[] _monitors = []; // the monitors among _operations, rebuilt when they change (not per send)
    private readonly CancellationTokenSource _handlers = new();
    private ITimer? _timer;
    private uint _nextSid = 1;
    private string? _user;

    public ServerConnection(PvaServer server, Socket socket)
        : base(socket, isServer: true, server.Logger, server.Options.TimeProvider, server.Options.Limits) => _server = server;

    public int ChannelCount
    {
        get
        {
            lock (_lock)
            {
                return _channels.Count;
            }
        }
    }

    public void Begin()
    {
        Start();
        // The server speaks first: byte order (little endian, size field 0), then validation with the auth methods.
        SendControl(PvaControlCommand.SetByteOrder, 0, bigEndian: false);
        Send(PvaCommand.ConnectionValidation, AuthMethods, static (in PvaWriter w, in string[] m) => ConnectionValidation.WriteServer(w, m));
        var period = TimeSpan.FromSeconds(5);
        _timer = TimeProvider.CreateTimer(static s => ((ServerConnection)s!).Tick(), this, period, period);
    }

    public void ForgetOperation(uint ioid)
    {
        lock (_lock)
        {
            _operations.Remove(ioid);
            RebuildMonitors();
        }
    }

    // Called under _lock after _operations changed.
    private void RebuildMonitors() => _monitors = [.. _operations.Values.Select(o => o.Monitor).OfType<ServerMonitor>()];

    protected override void OnSendCompleted()
    {
        foreach (var m in Volatile.Read(ref _monitors))
        {
            m.Flush();
        }
    }

    protected override void OnMessage(in PvaHeader header, ReadOnlySpan<byte> payload)
    {
        var r = new PvaReader(payload, header.IsBigEndian, ReceiveTypes, CurrentBacking);
        switch ((PvaCommand)header.Command)
        {
            case PvaCommand.ConnectionValidation:
            {
                var (method, user, _) = ConnectionValidation.ReadClient(ref r);
                _user = method == "ca" ? user : null;
                var status = method is "ca" or "anonymous" or "" ? PvaStatus.Ok : PvaStatus.Error($"authentication method '{method}' not offered");
                Send(PvaCommand.ConnectionValidated, status, static (in PvaWriter w, in PvaStatus s) => w.WriteStatus(s));
                break;
            }

            case PvaCommand.Echo:
            {
                var copy = payload.ToArray();
                Send(PvaCommand.Echo, copy, static (in PvaWriter w, in byte[] p) => w.WriteBytes(p));
                break;
            }

            case PvaCommand.Search:
                _server.AnswerTcpSearch(this, header, payload);
                break;
            case PvaCommand.CreateChannel:
                foreach (var (cid, name) in ChannelMessages.ReadCreateRequest(ref r))
                {
                    CreateChannel(cid, name);
                }

                break;
            case PvaCommand.DestroyChannel:
            {
                var sid = r.ReadUInt32();
                var cid = r.ReadUInt32();
                if (RemoveChannel(sid))
                {
                    Send(PvaCommand.DestroyChannel, (sid, cid), static (in PvaWriter w, in (uint Sid, uint Cid) s) => ChannelMessages.WriteDestroy(w, s.Sid, s.Cid));
                }

                break;
            }

            case PvaCommand.DestroyRequest:
            case PvaCommand.CancelRequest:
            {
                r.ReadUInt32();
                var ioid = r.ReadUInt32();
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
                break;
            }

            case PvaCommand.GetField:
                HandleGetField(ref r);
                break;
            case PvaCommand.Get:
            case PvaCommand.Put:
            case PvaCommand.PutGet:
            case PvaCommand.Monitor:
            case PvaCommand.Rpc:
            case PvaCommand.Process:
                HandleOperation((PvaCommand)header.Command, ref r);
                break;
            default:
                break; // AUTHNZ, MESSAGE and unknown commands: ignored (forward compatibility)
        }
    }

    protected override void OnClosed(string reason)
    {
        _timer?.Dispose();
        _handlers.Cancel();
        ServerOperation[] ops;
        ServerChannel[] channels;
        (HeldRequest Request, ServerChannel Channel)[] held;
        lock (_lock)
        {
            ops = [.. _operations.Values];
            _operations.Clear();
            channels = [.. _channels.Values];
            _channels.Clear();
            held = [.. _held.Values];
            _held.Clear();
            _monitors = [];
        }

        foreach (var op in ops)
        {
            op.Monitor?.Destroy();
        }

        foreach (var (request, channel) in held)
        {
            channel.Pv.Unhold(request);
        }

        foreach (var channel in channels)
        {
            channel.Pv.DetachClient(channel.Name, Logger);
        }

        _server.OnConnectionClosed(this);
    }

    private void Tick()
    {
        if (!IsClosed && Idle > _server.Options.ConnectionTimeout)
        {
            Epics.Pva.Log.InactivityTimeout(Logger, PeerName, Idle.TotalSeconds);
            Close("inactivity timeout");
        }
    }

    private void CreateChannel(uint cid, string name)
    {
        var pv = _server.Find(name);
        var sid = 0xFFFFFFFFu;
        var closed = false;
        var status = PvaStatus.Ok;
        if (pv is null)
        {
            status = new PvaStatus(StatusType.Fatal, $"channel {name} not found");
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
                    _channels[sid] = new ServerChannel(sid, cid, name, pv);
                }
            }

            if (closed)
            {
                return;
            }

            pv.AttachClient(name, Logger);
        }

        Send(PvaCommand.CreateChannel, (cid, sid, status), static (in PvaWriter w, in (uint Cid, uint Sid, PvaStatus Status) s) =>
            ChannelMessages.WriteCreateResponse(w, s.Cid, s.Sid, s.Status));
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

    private void HandleGetField(ref PvaReader r)
    {
        var sid = r.ReadUInt32();
        var ioid = r.ReadUInt32();
        var subField = r.IsEmpty ? string.Empty : r.ReadString();
        AnswerGetField(sid, ioid, subField);
    }

    private void AnswerGetField(uint sid, uint ioid, string subField)
    {
        ServerChannel? channel;
        lock (_lock)
        {
            _channels.TryGetValue(sid, out channel);
        }

        var type = channel?.Pv.Type;
        var status = PvaStatus.Ok;
        if (channel is null)
        {
            status = PvaStatus.Error("bad channel id");
        }
        else if (type is null)
        {
            switch (Hold(channel, ioid, isMonitor: false, PvaCommand.GetField, 0, () => AnswerGetField(sid, ioid, subField)))
            {
                case HoldResult.Held:
                    return;
                case HoldResult.Open:
                    AnswerGetField(sid, ioid, subField);
                    return;
                default:
                    status = HeldTooMany(channel);
                    break;
            }
        }
        else if (subField.Length > 0)
        {
            var offset = type.OffsetOf(subField);
            if (offset < 0)
            {
                status = PvaStatus.Error($"no field '{subField}' in {channel.Name}");
                type = null;
            }
            else
            {
                type = type.NodeAt(offset).Type;
            }
        }

        Send(PvaCommand.GetField, (ioid, status, type), static (in PvaWriter w, in (uint Ioid, PvaStatus Status, PvType? Type) s) =>
        {
            w.WriteUInt32(s.Ioid);
            w.WriteStatus(s.Status);
            if (s.Status.IsSuccess)
            {
                TypeCodec.Write(w, s.Type);
            }
        });
    }

    private void HandleOperation(PvaCommand command, ref PvaReader r)
    {
        var sid = r.ReadUInt32();
        var ioid = r.ReadUInt32();
        var sub = r.ReadByte();
        if ((sub & SubCommand.Init) != 0)
        {
            var requestType = TypeCodec.Read(ref r);
            var request = new PvValue(requestType ?? PvType.EmptyStructure);
            if (requestType is not null)
            {
                ValueCodec.ReadFull(ref r, request);
            }

            uint window = 0;
            if (command == PvaCommand.Monitor && (sub & SubCommand.GetPut) != 0 && r.Remaining >= 4)
            {
                window = r.ReadUInt32();
            }

            Init(command, sid, ioid, sub, request, window);
            return;
        }

        ServerOperation? op;
        lock (_lock)
        {
            _operations.TryGetValue(ioid, out op);
        }

        if (op is null || op.Command != command)
        {
            // Unknown request ids are not fatal (spec); pvAccessCPP answers with an error.
            if (command != PvaCommand.Monitor)
            {
                Reply(command, ioid, sub, PvaStatus.Error("bad request id"));
            }

            return;
        }

        switch (command)
        {
            case PvaCommand.Monitor:
                MonitorCommand(op, sub, ref r);
                break;
            case PvaCommand.Get:
                SendValue(command, op, sub, op.Channel.Pv.SnapshotOrNull());
                break;
            case PvaCommand.Put:
                if ((sub & SubCommand.Get) != 0)
                {
                    SendValue(command, op, sub, op.Channel.Pv.SnapshotOrNull());
                }
                else
                {
                    var value = new PvValue(op.Type!);
                    ValueCodec.ReadPartial(ref r, value, new BitSet());
                    RunPut(op, sub, value, getAfter: false);
                }

                break;
            case PvaCommand.PutGet:
                if ((sub & (SubCommand.Get | SubCommand.GetPut)) != 0)
                {
                    SendValue(command, op, sub, op.Channel.Pv.SnapshotOrNull());
                }
                else
                {
                    var value = new PvValue(op.Type!);
                    ValueCodec.ReadPartial(ref r, value, new BitSet());
                    RunPut(op, sub, value, getAfter: true);
                }

                break;
            case PvaCommand.Rpc:
            {
                var argType = TypeCodec.Read(ref r);
                var argument = new PvValue(argType ?? PvType.EmptyStructure);
                if (argType is not null)
                {
                    ValueCodec.ReadFull(ref r, argument);
                }

                RunRpc(op, sub, argument);
                break;
            }

            case PvaCommand.Process:
                Reply(command, ioid, sub, PvaStatus.Ok);
                break;
        }

        if ((sub & SubCommand.Destroy) != 0 && command is PvaCommand.Get or PvaCommand.Process)
        {
            ForgetOperation(ioid);
        }
    }

    private void Init(PvaCommand command, uint sid, uint ioid, byte sub, PvValue request, uint window)
    {
        ServerChannel? channel;
        lock (_lock)
        {
            _channels.TryGetValue(sid, out channel);
            if (channel is not null && (_operations.ContainsKey(ioid) || _held.ContainsKey(ioid)))
            {
                channel = null;
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
            switch (Hold(channel, ioid, command == PvaCommand.Monitor, command, sub, () => Init(command, sid, ioid, sub, request, window)))
            {
                case HoldResult.Held:
                    return;
                case HoldResult.Open:
                    Init(command, sid, ioid, sub, request, window);
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
                selection = PvRequest.Interpret(request, type);
                mask = FieldMask.ForWriting(selection.Mask, type);
            }
            catch (ArgumentException e)
            {
                Reply(command, ioid, sub, PvaStatus.Error(e.Message));
                return;
            }
        }

        var op = new ServerOperation(command, ioid, channel, type, mask ?? new BitSet(), request);
        if (command == PvaCommand.Monitor)
        {
            var queueSize = selection!.QueueSize ?? 4;
            var pipeline = selection.Pipeline || (sub & SubCommand.GetPut) != 0;
            if (pipeline && queueSize < 2)
            {
                Reply(command, ioid, sub, PvaStatus.Error("can not pipeline invalid queueSize"));
                return;
            }

            var member = selection.Distributor is { IsEnabled: true } d ? channel.Pv.JoinDistributor(d) : null;
            op.Monitor = new ServerMonitor(this, ioid, channel.Pv, channel.Name, type!, mask!, queueSize, pipeline, pipeline ? (int)Math.Max(window, 1) : 0,
                member);
        }

        lock (_lock)
        {
            _operations[ioid] = op;
            RebuildMonitors();
        }

        Send(command, (ioid, sub, type, command), static (in PvaWriter w, in (uint Ioid, byte Sub, PvType? Type, PvaCommand Command) s) =>
        {
            w.WriteUInt32(s.Ioid);
            w.WriteByte(s.Sub);
            w.WriteStatus(PvaStatus.Ok);
            switch (s.Command)
            {
                case PvaCommand.Rpc or PvaCommand.Process:
                    break;
                case PvaCommand.PutGet:
                    TypeCodec.Write(w, s.Type);
                    TypeCodec.Write(w, s.Type);
                    break;
                default:
                    TypeCodec.Write(w, s.Type);
                    break;
            }
        });
    }

    private void MonitorCommand(ServerOperation op, byte sub, ref PvaReader r)
    {
        var monitor = op.Monitor!;
        if ((sub & SubCommand.GetPut) != 0 && r.Remaining >= 4)
        {
            monitor.Ack(r.ReadUInt32());
        }

        if ((sub & SubCommand.Process) != 0)
        {
            if ((sub & SubCommand.Get) != 0)
            {
                monitor.Start();
            }
            else
            {
                monitor.Stop();
            }
        }

        if ((sub & SubCommand.Destroy) != 0)
        {
            ForgetOperation(op.Ioid);
            monitor.Destroy();
        }
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
        Send(command, (op.Ioid, sub, value, bits), static (in PvaWriter w, in (uint Ioid, byte Sub, PvValue Value, BitSet Bits) s) =>
        {
            w.WriteUInt32(s.Ioid);
            w.WriteByte(s.Sub);
            w.WriteStatus(PvaStatus.Ok);
            ValueCodec.WritePartial(w, s.Value, s.Bits);
        });
        value.Dispose();
    }

    private void RunPut(ServerOperation op, byte sub, PvValue value, bool getAfter)
    {
        var pv = op.Channel.Pv;
        var context = new PvPutRequest(value, Peer, _user, op.Request);
        var token = _handlers.Token;
        _ = Task.Run(async () =>
        {
            var status = PvaStatus.Ok;
            try
            {
                await pv.PutAsync(context, token).ConfigureAwait(false);
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
        }, CancellationToken.None);
    }

    private void RunRpc(ServerOperation op, byte sub, PvValue argument)
    {
        var pv = op.Channel.Pv;
        var token = _handlers.Token;
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

            Send(PvaCommand.Rpc, (op.Ioid, sub, status, result), static (in PvaWriter w, in (uint Ioid, byte Sub, PvaStatus Status, PvValue? Result) s) =>
            {
                w.WriteUInt32(s.Ioid);
                w.WriteByte(s.Sub);
                w.WriteStatus(s.Status);
                if (s.Status.IsSuccess)
                {
                    TypeCodec.Write(w, s.Result?.Type);
                    if (s.Result is not null)
                    {
                        ValueCodec.WriteFull(w, s.Result);
                    }
                }
            });
            if ((sub & SubCommand.Destroy) != 0)
            {
                ForgetOperation(op.Ioid);
            }
        }, CancellationToken.None);
    }

    private void Reply(PvaCommand command, uint ioid, byte sub, PvaStatus status) =>
        Send(command, (ioid, sub, status, command), static (in PvaWriter w, in (uint Ioid, byte Sub, PvaStatus Status, PvaCommand Command) s) =>
        {
            w.WriteUInt32(s.Ioid);
            if (s.Command != PvaCommand.GetField)
            {
                w.WriteByte(s.Sub);
            }

            w.WriteStatus(s.Status);
        });
}

/// <summary>A channel a client created on this connection.</summary>
internal sealed record ServerChannel(uint Sid, uint Cid, string Name, ServerPv Pv);

/// <summary>An operation a client initialised (its ioid is live until destroyed).</summary>
internal sealed class ServerOperation(PvaCommand command, uint ioid, ServerChannel channel, PvType? type, BitSet mask, PvValue request)
{
    public PvaCommand Command { get; } = command;

    public uint Ioid { get; } = ioid;

    public ServerChannel Channel { get; } = channel;

    public PvType? Type { get; } = type;

    public BitSet Mask { get; } = mask;

    public PvValue Request { get; } = request;

    public ServerMonitor? Monitor { get; set; }
}
