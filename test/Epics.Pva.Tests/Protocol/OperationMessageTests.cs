using Epics.Pva.Data;
using Epics.Pva.Protocol;
using Epics.Pva.Protocol.Messages;
using static Epics.Pva.Tests.Wire;

namespace Epics.Pva.Tests.Protocol;

/// <summary>
/// Golden payload bytes of the channel and operation messages in both byte orders (the peers' own bytes are compared in
/// <c>SentMessageTests</c>): each message encodes to the bytes given and decodes back from them, consuming all.
/// </summary>
public class OperationMessageTests
{
    // structure { int value }, and its full value 7.
    private static readonly PvType IntType = PvType.Builder().Add("value", ScalarType.Int).Build();
    private const string IntTypeHex = "80 00 01 05 \"value\" 22";

    private static PvValue Int(int v)
    {
        var value = new PvValue(IntType);
        value["value"].Set(v);
        return value;
    }

    private static PvValue EmptyRequest() => new(PvType.EmptyStructure);

    // One message, its little- and big-endian payloads.
    private static void Check<T>(T message, string le, string be, Wire.ReadAction readBack)
        where T : struct, IPvaMessage
    {
        AssertEncodes(false, w => message.Write(w), le);
        AssertEncodes(true, w => message.Write(w), be);
        AssertDecodes(false, le, readBack);
        AssertDecodes(true, be, readBack);
    }

    [Fact]
    public void Channel_messages()
    {
        Check(new CreateChannelRequest(0x11223344, "ab"), "01 00 | 44 33 22 11 | 02 \"ab\"", "00 01 | 11 22 33 44 | 02 \"ab\"",
            (ref PvaReader r) => Assert.Equal([new CreateChannelRequest(0x11223344, "ab")], CreateChannelRequest.ReadAll(ref r)));
        Check(new CreateChannelResponse(1, 2, PvaStatus.Ok), "01 00 00 00 | 02 00 00 00 | FF", "00 00 00 01 | 00 00 00 02 | FF",
            (ref PvaReader r) => Assert.Equal(new CreateChannelResponse(1, 2, PvaStatus.Ok), CreateChannelResponse.Read(ref r)));
        var failed = new CreateChannelResponse(1, CreateChannelResponse.NoSid, new PvaStatus(StatusType.Fatal, "no"));
        Check(failed, "01 00 00 00 | FF FF FF FF | 03 02 \"no\" 00", "00 00 00 01 | FF FF FF FF | 03 02 \"no\" 00",
            (ref PvaReader r) => Assert.Equal(failed, CreateChannelResponse.Read(ref r)));
        Check(new DestroyChannel(5, 6), "05 00 00 00 06 00 00 00", "00 00 00 05 00 00 00 06",
            (ref PvaReader r) => Assert.Equal(new DestroyChannel(5, 6), DestroyChannel.Read(ref r)));
        Check(new DestroyRequestMessage(5, 6), "05 00 00 00 06 00 00 00", "00 00 00 05 00 00 00 06",
            (ref PvaReader r) => Assert.Equal(new DestroyRequestMessage(5, 6), DestroyRequestMessage.Read(ref r, PvaCommand.DestroyRequest)));
        Assert.Equal(PvaCommand.CancelRequest, new DestroyRequestMessage(5, 6, Cancel: true).Command);
        Check(new ServerMessage(9, 1, "hi"), "09 00 00 00 | 01 | 02 \"hi\"", "00 00 00 09 | 01 | 02 \"hi\"",
            (ref PvaReader r) => Assert.Equal(new ServerMessage(9, 1, "hi"), ServerMessage.Read(ref r)));
    }

    [Fact]
    public void Init_request_with_and_without_a_pipeline_window()
    {
        var get = OperationInitRequest.Create(PvaCommand.Get, 1, 2, EmptyRequest());
        Check(get, "01 00 00 00 | 02 00 00 00 | 08 | 80 00 00", "00 00 00 01 | 00 00 00 02 | 08 | 80 00 00", (ref PvaReader r) =>
        {
            var back = OperationInitRequest.Read(ref r, PvaCommand.Get);
            Assert.Equal((1u, 2u, SubCommand.Init, 0u), (back.Sid, back.Ioid, back.Sub, back.Window));
            Assert.Equal(PvType.EmptyStructure, back.PvRequest.Type);
        });

        var monitor = OperationInitRequest.Create(PvaCommand.Monitor, 1, 2, EmptyRequest(), pipelineWindow: 16);
        Check(monitor, "01 00 00 00 | 02 00 00 00 | 88 | 80 00 00 | 10 00 00 00", "00 00 00 01 | 00 00 00 02 | 88 | 80 00 00 | 00 00 00 10",
            (ref PvaReader r) => Assert.Equal(16u, OperationInitRequest.Read(ref r, PvaCommand.Monitor).Window));

        // A null pvRequest type (pvAccessCPP allows it) is an empty request.
        AssertDecodes(false, "01 00 00 00 | 02 00 00 00 | 08 | FF",
            (ref PvaReader r) => Assert.Equal(PvType.EmptyStructure, OperationInitRequest.Read(ref r, PvaCommand.Get).PvRequest.Type));
    }

    [Fact]
    public void Init_replies_carry_the_types_each_operation_needs()
    {
        Check(OperationInitReply.Success(PvaCommand.Get, 2, SubCommand.Init, IntType), $"02 00 00 00 | 08 | FF | {IntTypeHex}", $"00 00 00 02 | 08 | FF | {IntTypeHex}",
            (ref PvaReader r) => Assert.Equal(IntType, OperationInitReply.Read(ref r, PvaCommand.Get).Type));
        Check(OperationInitReply.Success(PvaCommand.PutGet, 2, SubCommand.Init, IntType), $"02 00 00 00 | 08 | FF | {IntTypeHex} | {IntTypeHex}",
            $"00 00 00 02 | 08 | FF | {IntTypeHex} | {IntTypeHex}", (ref PvaReader r) =>
            {
                var back = OperationInitReply.Read(ref r, PvaCommand.PutGet);
                Assert.Equal((IntType, IntType), (back.Type, back.ResultType));
            });
        Check(OperationInitReply.Success(PvaCommand.Rpc, 2, SubCommand.Init, null), "02 00 00 00 | 08 | FF", "00 00 00 02 | 08 | FF",
            (ref PvaReader r) => Assert.Null(OperationInitReply.Read(ref r, PvaCommand.Rpc).Type));
        var failed = new OperationInitReply(PvaCommand.Get, 2, SubCommand.Init, PvaStatus.Error("x"), IntType, IntType);
        Check(failed, "02 00 00 00 | 08 | 02 01 \"x\" 00", "00 00 00 02 | 08 | 02 01 \"x\" 00",
            (ref PvaReader r) => Assert.False(OperationInitReply.Read(ref r, PvaCommand.Get).Status.IsSuccess));
    }

    [Fact]
    public void Get_put_and_their_replies()
    {
        Check(new OperationRequest(PvaCommand.Get, 1, 2, SubCommand.Get | SubCommand.Destroy), "01 00 00 00 | 02 00 00 00 | 50", "00 00 00 01 | 00 00 00 02 | 50",
            (ref PvaReader r) => Assert.True(OperationRequest.Read(ref r, PvaCommand.Get).Destroys));

        var put = new PutRequest(PvaCommand.Put, 1, 2, SubCommand.Execute, Int(7));
        put.Value.Changed.Clear();
        put.Value.Changed.Set(1);
        Check(put, "01 00 00 00 | 02 00 00 00 | 00 | 01 02 | 07 00 00 00", "00 00 00 01 | 00 00 00 02 | 00 | 01 02 | 00 00 00 07", (ref PvaReader r) =>
        {
            var back = PutRequest.Read(ref r, PvaCommand.Put, IntType);
            Assert.Equal(7, back.Value["value"].GetInt32());
            Assert.True(back.Value.Changed.Get(1));
        });

        var bits = new BitSet();
        bits.Set(1);
        Check(DataReply.Success(PvaCommand.Get, 2, SubCommand.Get, Int(-2), bits), "02 00 00 00 | 40 | FF | 01 02 | FE FF FF FF",
            "00 00 00 02 | 40 | FF | 01 02 | FF FF FF FE", (ref PvaReader r) => Assert.Equal(-2, DataReply.Read(ref r, PvaCommand.Get, IntType).Value!["value"].GetInt32()));
        Check(new StatusReply(PvaCommand.Put, 2, SubCommand.Execute, PvaStatus.Ok), "02 00 00 00 | 00 | FF", "00 00 00 02 | 00 | FF",
            (ref PvaReader r) => Assert.True(StatusReply.Read(ref r, PvaCommand.Put).Status.IsSuccess));
        var error = new DataReply(PvaCommand.Get, 2, SubCommand.Get, PvaStatus.Error("no"), null, null);
        Check(error, "02 00 00 00 | 40 | 02 02 \"no\" 00", "00 00 00 02 | 40 | 02 02 \"no\" 00",
            (ref PvaReader r) => Assert.Null(DataReply.Read(ref r, PvaCommand.Get, IntType).Value));
    }

    [Fact]
    public void Monitor_requests_updates_and_end()
    {
        Check(MonitorRequest.Start(1, 2), "01 00 00 00 | 02 00 00 00 | 44", "00 00 00 01 | 00 00 00 02 | 44",
            (ref PvaReader r) => Assert.Equal(MonitorRequest.Start(1, 2), MonitorRequest.Read(ref r)));
        Check(MonitorRequest.Ack(1, 2, 3), "01 00 00 00 | 02 00 00 00 | 80 | 03 00 00 00", "00 00 00 01 | 00 00 00 02 | 80 | 00 00 00 03",
            (ref PvaReader r) => Assert.Equal(MonitorRequest.Ack(1, 2, 3), MonitorRequest.Read(ref r)));

        var changed = new BitSet();
        changed.Set(1);
        var overrun = new BitSet();
        overrun.Set(1);
        Check(new MonitorUpdate(2, Int(5), changed, overrun), "02 00 00 00 | 00 | 01 02 | 05 00 00 00 | 01 02", "00 00 00 02 | 00 | 01 02 | 00 00 00 05 | 01 02",
            (ref PvaReader r) =>
            {
                var current = new PvValue(IntType);
                var seen = new BitSet();
                Assert.Equal(2u, MonitorUpdate.ReadInto(ref r, current, new BitSet(), seen));
                Assert.Equal(5, current["value"].GetInt32());
                Assert.True(seen.Get(1));
            });
        Check(new MonitorFinish(2, PvaStatus.Ok), "02 00 00 00 | 10 | FF", "00 00 00 02 | 10 | FF",
            (ref PvaReader r) => Assert.Equal(new MonitorFinish(2, PvaStatus.Ok), MonitorFinish.Read(ref r)));
    }

    [Fact]
    public void Rpc_and_get_field()
    {
        Check(new RpcRequest(1, 2, SubCommand.Execute, Int(3)), $"01 00 00 00 | 02 00 00 00 | 00 | {IntTypeHex} | 03 00 00 00",
            $"00 00 00 01 | 00 00 00 02 | 00 | {IntTypeHex} | 00 00 00 03", (ref PvaReader r) => Assert.Equal(3, RpcRequest.Read(ref r).Argument["value"].GetInt32()));
        Check(new RpcReply(2, SubCommand.Execute, PvaStatus.Ok, Int(4)), $"02 00 00 00 | 00 | FF | {IntTypeHex} | 04 00 00 00",
            $"00 00 00 02 | 00 | FF | {IntTypeHex} | 00 00 00 04", (ref PvaReader r) => Assert.Equal(4, RpcReply.Read(ref r).Result!["value"].GetInt32()));
        Check(new RpcReply(2, SubCommand.Execute, PvaStatus.Ok, null), "02 00 00 00 | 00 | FF | FF", "00 00 00 02 | 00 | FF | FF",
            (ref PvaReader r) => Assert.Null(RpcReply.Read(ref r).Result));

        Check(new GetFieldRequest(1, 2, "value"), "01 00 00 00 | 02 00 00 00 | 05 \"value\"", "00 00 00 01 | 00 00 00 02 | 05 \"value\"",
            (ref PvaReader r) => Assert.Equal(new GetFieldRequest(1, 2, "value"), GetFieldRequest.Read(ref r)));
        AssertDecodes(false, "01 00 00 00 | 02 00 00 00", (ref PvaReader r) => Assert.Equal(string.Empty, GetFieldRequest.Read(ref r).SubField));
        Check(new GetFieldReply(2, PvaStatus.Ok, IntType), $"02 00 00 00 | FF | {IntTypeHex}", $"00 00 00 02 | FF | {IntTypeHex}",
            (ref PvaReader r) => Assert.Equal(IntType, GetFieldReply.Read(ref r).Type));
        Check(new GetFieldReply(2, PvaStatus.Error("e"), null), "02 00 00 00 | 02 01 \"e\" 00", "00 00 00 02 | 02 01 \"e\" 00",
            (ref PvaReader r) => Assert.Null(GetFieldReply.Read(ref r).Type));
    }
}
