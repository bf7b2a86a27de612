using Epics.Pva.Data;
using Epics.Pva.Protocol;
using Epics.Pva.Protocol.Messages;

namespace Epics.Pva.Tests.Conformance;

/// <summary>A channel operation seen in a capture, with the state later messages of it need.</summary>
internal sealed class ReplayOperation(int connection, PvaCommand command, uint sid, uint ioid, PvValue? request, bool pipeline)
{
    public int Connection { get; } = connection;

    public PvaCommand Command { get; } = command;

    public uint Sid { get; } = sid;

    public uint Ioid { get; } = ioid;

    /// <summary>The pvRequest of the INIT (null when the client sent the null type).</summary>
    public PvValue? Request { get; } = request;

    public bool Pipeline { get; } = pipeline;

    /// <summary>The type from the INIT reply (GET data, PUT put structure, MONITOR data, PUT_GET put structure).</summary>
    public PvType? Type { get; set; }

    /// <summary>PUT_GET only: the get structure.</summary>
    public PvType? GetType2 { get; set; }

    /// <summary>MONITOR: the value with every update so far applied.</summary>
    public PvValue? Current { get; set; }

    public int Updates { get; set; }

    public bool Destroyed { get; set; }
}

/// <summary>One whole message (segments joined), decoded field by field.</summary>
internal sealed class ReplayedMessage
{
    public required IReadOnlyList<CapturedMessage> Segments { get; init; }

    public CapturedMessage First => Segments[0];

    public required PvaHeader Header { get; init; }

    public required byte[] Payload { get; init; }

    public required IReadOnlyList<WireItem> Items { get; init; }

    /// <summary>What our production reader made of it (SearchRequest, Beacon, auth methods...), when there is one.</summary>
    public object? Parsed { get; init; }

    public ReplayOperation? Operation { get; init; }

    /// <summary>True when the peer used 0xFD/0xFE, so our (uncached) encoding legitimately differs.</summary>
    public bool UsesTypeCache { get; set; }

    public bool IsControl => Header.IsControl;

    public PvaCommand Command => (PvaCommand)Header.Command;

    public bool FromServer => Header.IsFromServer;

    public byte? Sub => Find("subcmd") is { } s ? (byte)s.Number : null;

    public WireItem? Find(string name) => Items.FirstOrDefault(i => i.Name == name);

    public WireItem this[string name] => Find(name) ?? throw new KeyNotFoundException($"{this} has no field '{name}'");

    public override string ToString() =>
        $"{First} {(Segments.Count > 1 ? $"({Segments.Count} segments) " : string.Empty)}{(Sub is { } s ? $"sub 0x{s:X2}" : string.Empty)}";
}

/// <summary>
/// Replays a capture through our codec: per TCP connection and direction a type cache and a segment accumulator, per
/// ioid the operation state, and every message decoded fully by command and direction, checked to be consumed exactly,
/// then re-encoded with our writers in both byte orders and decoded again.
/// </summary>
internal sealed class CaptureReplay
{
    private readonly Dictionary<int, Connection> _connections = [];
    private readonly List<ReplayedMessage> _messages = [];
    private readonly List<ReplayOperation> _operations = [];

    private CaptureReplay(string name) => Name = name;

    public string Name { get; }

    public IReadOnlyList<ReplayedMessage> Messages => _messages;

    public IReadOnlyList<ReplayOperation> Operations => _operations;

    /// <summary>Messages whose payload our writers reproduced byte for byte.</summary>
    public int ByteIdentical { get; private set; }

    public static CaptureReplay Run(string relativePath, bool roundTrip = true) =>
        Run(relativePath, CaptureFiles.Load(relativePath), roundTrip);

    public static CaptureReplay Run(string relativePath, IEnumerable<CapturedMessage> messages, bool roundTrip = true)
    {
        var replay = new CaptureReplay(relativePath);
        foreach (var m in messages)
        {
            try
            {
                replay.Accept(m, roundTrip);
            }
            catch (Exception e) when (e is PvaProtocolException or InvalidOperationException or KeyNotFoundException or ArgumentException)
            {
                throw new Xunit.Sdk.XunitException($"{relativePath} {m}: {e.GetType().Name}: {e.Message}\n{Convert.ToHexString(m.Bytes)}", e);
            }
        }

        foreach (var (id, c) in replay._connections)
        {
            foreach (var s in c.Segments)
            {
                Check.That(s is null, () => $"{relativePath}: connection {id} ends inside a segmented message");
            }
        }

        return replay;
    }

    private void Accept(CapturedMessage m, bool roundTrip)
    {
        var header = PvaHeader.Read(m.Bytes);
        Assert.Equal(m.Flags, header.Flags);
        if (!m.Udp)
        {
            Check.That(m.FromServer == header.IsFromServer, () => $"{m}: direction bit disagrees with the TCP direction");
        }

        // Our header writer must reproduce every header, control and segment flags included.
        var rebuilt = new byte[PvaHeader.Size];
        PvaHeader.Write(rebuilt, header.IsFromServer, header.IsBigEndian, header.Command, header.PayloadSize, header.IsControl, header.Segment);
        Assert.Equal(Convert.ToHexString(m.Bytes.AsSpan(0, PvaHeader.Size)), Convert.ToHexString(rebuilt));

        if (header.IsControl)
        {
            Assert.Equal(PvaHeader.Size, m.Bytes.Length);
            Assert.False(m.Udp, "control message on UDP");
            if (header.Command == (byte)PvaControlCommand.SetByteOrder)
            {
                Check.That(header.IsFromServer, () => "SET_BYTE_ORDER from a client");
                ConnectionFor(m.Connection).ByteOrderSeen = true;
            }

            _messages.Add(new ReplayedMessage { Segments = [m], Header = header, Payload = [], Items = [] });
            return;
        }

        Assert.Equal((long)header.PayloadSize, m.Bytes.Length - PvaHeader.Size);
        IReadOnlyList<CapturedMessage> segments = [m];
        var payload = m.Bytes[PvaHeader.Size..];
        if (header.Segment != 0)
        {
            Assert.False(m.Udp, "segmented UDP message");
            var dir = ConnectionFor(m.Connection).Segments;
            var side = header.IsFromServer ? 1 : 0;
            var open = dir[side];
            switch (header.Segment)
            {
                case PvaHeader.SegmentFirst:
                    Check.That(open is null, () => $"{m}: first segment while another is open");
                    dir[side] = [m];
                    return;
                case PvaHeader.SegmentMiddle:
                    Check.That(open is not null && open[0].Bytes[3] == header.Command, () => $"{m}: middle segment without a matching first");
                    open!.Add(m);
                    return;
                default:
                    Check.That(open is not null && open[0].Bytes[3] == header.Command, () => $"{m}: last segment without a matching first");
                    open!.Add(m);
                    dir[side] = null;
                    segments = open;
                    payload = [.. open.SelectMany(s => s.Bytes.Skip(PvaHeader.Size))];
                    header = header with { Flags = (byte)(open[0].Flags & ~PvaHeader.SegmentMask), PayloadSize = (uint)payload.Length };
                    break;
            }
        }

        var conn = m.Udp ? null : ConnectionFor(m.Connection);
        if (conn is not null)
        {
            Check.That(conn.ByteOrderSeen, () => $"{m}: application message before SET_BYTE_ORDER");
        }

        var types = conn?.Types[header.IsFromServer ? 1 : 0];
        var decoded = Decode(header, payload, types, conn);
        var message = new ReplayedMessage
        {
            Segments = segments, Header = header, Payload = payload, Items = decoded.Items, Parsed = decoded.Parsed, Operation = decoded.Operation,
        };

        if (roundTrip)
        {
            RoundTrip(message, conn);
        }

        decoded.Apply?.Invoke();
        _messages.Add(message);
    }

    // Re-encode with our writers: in the original byte order the bytes must be the peer's own unless the peer used the
    // type cache; in both orders the result must decode to the same fields and re-encode to the same bytes.
    private void RoundTrip(ReplayedMessage message, Connection? conn)
    {
        var header = message.Header;
        foreach (var bigEndian in new[] { header.IsBigEndian, !header.IsBigEndian })
        {
            var bytes = WireItem.Encode(message.Items, bigEndian);
            if (bigEndian == header.IsBigEndian)
            {
                if (bytes.AsSpan().SequenceEqual(message.Payload))
                {
                    ByteIdentical++;
                }
                else
                {
                    message.UsesTypeCache = DecodeFailsWithoutCache(message, conn);
                    Check.That(message.UsesTypeCache, () =>
                        $"{message}: our encoding differs from the peer's and no type cache explains it\npeer {Convert.ToHexString(message.Payload)}\nours {Convert.ToHexString(bytes)}");
                }
            }

            var flags = (byte)(bigEndian ? header.Flags | PvaHeader.FlagBigEndian : header.Flags & ~PvaHeader.FlagBigEndian);
            // No registry: we never write cache codes, so our bytes must decode without one.
            var again = Decode(header with { Flags = flags, PayloadSize = (uint)bytes.Length }, bytes, null, conn);
            var context = $"{message} re-encoded {(bigEndian ? "BE" : "LE")}";
            WireItem.AssertSame(message.Items, again.Items, context);
            Check.That(bytes.AsSpan().SequenceEqual(WireItem.Encode(again.Items, bigEndian)), () => $"{context}: second encoding differs");
        }
    }

    private bool DecodeFailsWithoutCache(ReplayedMessage message, Connection? conn)
    {
        if (conn is null)
        {
            return false;
        }

        try
        {
            Decode(message.Header, message.Payload, null, conn);
            return false;
        }
        catch (PvaProtocolException e) when (e.Message.Contains("no cache", StringComparison.Ordinal))
        {
            return true;
        }
    }

    private Connection ConnectionFor(int id)
    {
        if (!_connections.TryGetValue(id, out var c))
        {
            c = new Connection(id);
            _connections[id] = c;
        }

        return c;
    }

    private sealed record Decoded(List<WireItem> Items, object? Parsed, ReplayOperation? Operation, Action? Apply);

    // Pure with respect to the replay state (so it can run again on our re-encoding); changes come back as Apply.
    private Decoded Decode(PvaHeader header, ReadOnlySpan<byte> payload, TypeRegistry? types, Connection? conn)
    {
        var r = new ItemReader(new PvaReader(payload, header.IsBigEndian, types));
        object? parsed = null;
        ReplayOperation? op = null;
        Action? apply = null;
        var command = (PvaCommand)header.Command;
        if (conn is null)
        {
            parsed = DecodeUdp(ref r, command);
        }
        else
        {
            switch (command)
            {
                case PvaCommand.ConnectionValidation:
                    parsed = DecodeValidation(ref r, header.IsFromServer);
                    break;
                case PvaCommand.ConnectionValidated:
                    r.Status();
                    break;
                case PvaCommand.Echo:
                    r.Raw("echo", r.Reader.Remaining);
                    break;
                case PvaCommand.AuthNZ:
                    r.TypeAndValue("authType", "auth");
                    break;
                case PvaCommand.CreateChannel:
                    parsed = DecodeCreateChannel(ref r, header.IsFromServer);
                    break;
                case PvaCommand.DestroyChannel:
                    r.U32("sid");
                    r.U32("cid");
                    break;
                case PvaCommand.DestroyRequest:
                case PvaCommand.CancelRequest:
                {
                    Assert.False(header.IsFromServer, $"{command} from a server");
                    r.U32("sid");
                    op = conn.Ops.GetValueOrDefault(r.U32("ioid"));
                    if (command == PvaCommand.DestroyRequest && op is not null)
                    {
                        var o = op;
                        apply = () => o.Destroyed = true;
                    }

                    break;
                }

                case PvaCommand.Message:
                    op = conn.Ops.GetValueOrDefault(r.U32("ioid"));
                    Assert.InRange(r.U8("messageType"), 0, 3);
                    r.Str("text");
                    break;
                case PvaCommand.GetField:
                    if (header.IsFromServer)
                    {
                        r.U32("ioid");
                        if (r.Status().IsSuccess)
                        {
                            r.RequiredType("type");
                        }
                    }
                    else
                    {
                        r.U32("sid");
                        r.U32("ioid");
                        r.Str("subField");
                    }

                    break;
                case PvaCommand.Get or PvaCommand.Put or PvaCommand.PutGet or PvaCommand.Monitor or PvaCommand.Rpc or PvaCommand.Process or PvaCommand.Array:
                    (op, apply) = header.IsFromServer ? DecodeReply(ref r, command, conn) : DecodeRequest(ref r, command, conn);
                    break;
                default:
                    throw new InvalidOperationException($"unexpected TCP command {command}");
            }
        }

        if (!r.IsEmpty)
        {
            throw new PvaProtocolException($"{r.Reader.Remaining} bytes left after decoding {command}");
        }

        return new Decoded(r.Items, parsed, op, apply);
    }

    private static object DecodeUdp(ref ItemReader r, PvaCommand command)
    {
        var copy = r.Reader;
        object parsed;
        switch (command)
        {
            case PvaCommand.Search:
            {
                parsed = SearchRequest.Read(ref copy);
                r.U32("sequence");
                r.U8("flags");
                r.Raw("reserved", 3);
                r.Raw("address", WireAddress.Size);
                r.U16("port");
                var n = r.Size("protocols");
                for (var i = 0; i < n; i++)
                {
                    r.Str("protocol");
                }

                var channels = r.U16("channels");
                for (var i = 0; i < channels; i++)
                {
                    r.U32("cid");
                    r.Str("name");
                }

                break;
            }

            case PvaCommand.SearchResponse:
            {
                parsed = SearchResponse.Read(ref copy);
                r.Raw("guid", PvaGuid.Size);
                r.U32("sequence");
                r.Raw("address", WireAddress.Size);
                r.U16("port");
                r.Str("protocol");
                r.U8("found");
                var n = r.U16("count");
                for (var i = 0; i < n; i++)
                {
                    r.U32("cid");
                }

                break;
            }

            case PvaCommand.Beacon:
                // Our reader stops after the protocol (the rest may be ignored); here the server status is decoded too.
                parsed = Beacon.Read(ref copy);
                r.Raw("guid", PvaGuid.Size);
                r.U8("flags");
                r.U8("sequence");
                r.U16("changeCount");
                r.Raw("address", WireAddress.Size);
                r.U16("port");
                r.Str("protocol");
                r.TypeAndValue("statusType", "serverStatus");
                return parsed;
            case PvaCommand.OriginTag:
                parsed = OriginTag.Read(ref copy);
                r.Raw("address", WireAddress.Size);
                break;
            default:
                throw new InvalidOperationException($"unexpected UDP command {command}");
        }

        var (ours, whole) = (copy.Position, r.Reader.Position);
        Check.That(ours == whole, () => $"our {command} reader stopped at {ours}, the payload has {whole}");
        return parsed;
    }

    private static object DecodeValidation(ref ItemReader r, bool fromServer)
    {
        var copy = r.Reader;
        object parsed;
        if (fromServer)
        {
            parsed = ConnectionValidation.ReadServer(ref copy);
            r.U32("bufferSize");
            r.U16("registrySize");
            var n = r.Size("methods");
            for (var i = 0; i < n; i++)
            {
                r.Str("method");
            }
        }
        else
        {
            parsed = ConnectionValidation.ReadClient(ref copy);
            r.U32("bufferSize");
            r.U16("registrySize");
            r.U16("qos");
            r.Str("method");
            if (!r.IsEmpty)
            {
                r.TypeAndValue("authType", "auth");
            }
        }

        Assert.True(copy.Position == r.Reader.Position, "our CONNECTION_VALIDATION reader did not consume the message exactly");
        return parsed;
    }

    private static object DecodeCreateChannel(ref ItemReader r, bool fromServer)
    {
        var copy = r.Reader;
        object parsed;
        if (fromServer)
        {
            parsed = CreateChannelResponse.Read(ref copy);
            r.U32("cid");
            r.U32("sid");
            r.Status();
        }
        else
        {
            parsed = CreateChannelRequest.ReadAll(ref copy);
            var n = r.U16("count");
            for (var i = 0; i < n; i++)
            {
                r.U32("cid");
                r.Str("name");
            }
        }

        Assert.True(copy.Position == r.Reader.Position, "our CREATE_CHANNEL reader did not consume the message exactly");
        return parsed;
    }

    private (ReplayOperation?, Action?) DecodeRequest(ref ItemReader r, PvaCommand command, Connection conn)
    {
        var sid = r.U32("sid");
        var ioid = r.U32("ioid");
        var sub = r.U8("subcmd");
        if ((sub & SubCommand.Init) != 0)
        {
            var request = r.TypeAndValue("pvRequestType", "pvRequest");
            var pipeline = command == PvaCommand.Monitor && (sub & SubCommand.MonitorAck) != 0;
            if (pipeline)
            {
                r.U32("nfree");
            }

            var created = new ReplayOperation(conn.Id, command, sid, ioid, request, pipeline);
            return (created, () =>
            {
                Assert.False(conn.Ops.TryGetValue(ioid, out var live) && !live.Destroyed, $"INIT reuses live ioid {ioid}");
                conn.Ops[ioid] = created;
                _operations.Add(created);
            });
        }

        var op = Operation(conn, ioid, command);
        switch (command)
        {
            case PvaCommand.Put when (sub & SubCommand.Get) == 0:
            case PvaCommand.PutGet when (sub & (SubCommand.Get | SubCommand.GetPut)) == 0:
                r.Partial("data", new PvValue(Require(op.Type, op)));
                break;
            case PvaCommand.Monitor when (sub & SubCommand.MonitorAck) != 0:
                r.U32("nfree");
                break;
            case PvaCommand.Rpc:
                r.TypeAndValue("argumentType", "argument");
                break;
            case PvaCommand.Array:
                DecodeArrayRequest(ref r, sub, op);
                break;
        }

        return (op, null);
    }

    private (ReplayOperation?, Action?) DecodeReply(ref ItemReader r, PvaCommand command, Connection conn)
    {
        var ioid = r.U32("ioid");
        var sub = r.U8("subcmd");
        var op = Operation(conn, ioid, command);
        if (command == PvaCommand.Monitor && (sub & SubCommand.Init) == 0)
        {
            // Updates carry no Status; the final one (0x10) has a Status and may still carry data.
            if ((sub & SubCommand.Destroy) != 0 && (!r.Status().IsSuccess || r.IsEmpty))
            {
                return (op, null);
            }

            var next = op.Current?.Clone() ?? new PvValue(Require(op.Type, op));
            r.Partial("data", next);
            r.Bits("overrun");
            return (op, () =>
            {
                op.Current = next;
                op.Updates++;
            });
        }

        if (!r.Status().IsSuccess)
        {
            return (op, null);
        }

        if ((sub & SubCommand.Init) != 0)
        {
            switch (command)
            {
                case PvaCommand.Get or PvaCommand.Put or PvaCommand.Monitor or PvaCommand.Array:
                {
                    var type = r.RequiredType("type");
                    return (op, () => op.Type = type);
                }

                case PvaCommand.PutGet:
                {
                    var put = r.RequiredType("putType");
                    var get = r.RequiredType("getType");
                    return (op, () => (op.Type, op.GetType2) = (put, get));
                }

                default:
                    return (op, null); // RPC and PROCESS: no type
            }
        }

        switch (command)
        {
            case PvaCommand.Get:
            case PvaCommand.Put when (sub & SubCommand.Get) != 0:
            case PvaCommand.PutGet when (sub & SubCommand.GetPut) != 0:
                r.Partial("data", new PvValue(Require(op.Type, op)));
                break;
            case PvaCommand.PutGet:
                r.Partial("data", new PvValue(Require(op.GetType2, op)));
                break;
            case PvaCommand.Rpc when !r.IsEmpty:
                r.TypeAndValue("resultType", "result");
                break;
            case PvaCommand.Array when (sub & SubCommand.Get) != 0:
                r.Full("array", Require(op.Type, op));
                break;
            case PvaCommand.Array when (sub & SubCommand.Process) != 0:
                r.Size("length");
                break;
        }

        return (op, null);
    }

    // ARRAY (pvAccessCPP only): GET 40 offset,count,stride; PUT 00 offset,stride,array; SET_LENGTH 80 length; GET_LENGTH 04.
    private static void DecodeArrayRequest(ref ItemReader r, byte sub, ReplayOperation op)
    {
        if ((sub & SubCommand.Get) != 0)
        {
            r.Size("offset");
            r.Size("count");
            r.Size("stride");
        }
        else if ((sub & SubCommand.GetPut) != 0)
        {
            r.Size("length");
        }
        else if ((sub & SubCommand.Process) == 0)
        {
            r.Size("offset");
            r.Size("stride");
            r.Full("array", Require(op.Type, op));
        }
    }

    private static ReplayOperation Operation(Connection conn, uint ioid, PvaCommand command)
    {
        var op = conn.Ops.GetValueOrDefault(ioid) ?? throw new InvalidOperationException($"{command} for unknown ioid {ioid}");
        return op.Command == command ? op : throw new InvalidOperationException($"{command} on ioid {ioid} created by {op.Command}");
    }

    private static PvType Require(PvType? type, ReplayOperation op) =>
        type ?? throw new InvalidOperationException($"{op.Command} ioid {op.Ioid}: data before a successful INIT reply");

    private sealed class Connection(int id)
    {
        public int Id { get; } = id;

        public bool ByteOrderSeen { get; set; }

        /// <summary>Receive caches: [0] client→server, [1] server→client.</summary>
        public TypeRegistry[] Types { get; } = [new(), new()];

        public List<CapturedMessage>?[] Segments { get; } = new List<CapturedMessage>?[2];

        public Dictionary<uint, ReplayOperation> Ops { get; } = [];
    }
}
