using System.Globalization;
using Epics.Pva.Data;
using Epics.Pva.Protocol;

namespace Epics.Pva.Tests.Conformance;

/// <summary>What we decode from the captures matches what the real tools printed and what the README states.</summary>
public class CaptureValueTests
{
    private static CaptureReplay Replay(string capture)
    {
        CaptureFiles.RequireRoot();
        return CaptureReplay.Run(capture, roundTrip: false);
    }

    private static IEnumerable<ReplayedMessage> Where(CaptureReplay replay, PvaCommand command, bool fromServer, byte? sub = null) =>
        replay.Messages.Where(m => !m.IsControl && m.Command == command && m.FromServer == fromServer && (sub is null || m.Sub == sub));

    [Theory]
    [InlineData("pva-softIocPVA/ai/pvput.json", 3.5, 4.25)]
    [InlineData("pva-softIocPVX/ai/pvput.json", 3.5, 4.25)]
    [InlineData("pva-softIocPVA/lo/pvput-clamped.json", 100, 150)]
    public void Pvput_sends_only_the_value_and_reads_the_result_back(string capture, double old, double written)
    {
        var replay = Replay(capture);

        var put = Assert.Single(Where(replay, PvaCommand.Put, fromServer: false, sub: 0x00));
        Assert.Equal([1], put["data"].Bits!.GetBits());
        Assert.Equal(written, put["data"].Value!["value"].GetDouble());

        var gets = Where(replay, PvaCommand.Get, fromServer: true, sub: 0x00).Select(m => m["data"].Value!["value"].GetDouble()).ToList();
        var stdout = CaptureFiles.Stdout(capture);
        Assert.Equal(old, gets[0]);
        Assert.EndsWith(" " + Format(gets[0]), stdout.Single(l => l.StartsWith("Old :", StringComparison.Ordinal)).TrimEnd());
        Assert.EndsWith(" " + Format(gets[^1]), stdout.Single(l => l.StartsWith("New :", StringComparison.Ordinal)).TrimEnd());
    }

    [Fact]
    public void Pvput_of_the_ai_decodes_4_25_as_the_readme_says()
    {
        var replay = Replay("pva-softIocPVA/ai/pvput.json");

        var put = replay.Messages.Single(m => m.First.Index == 19);
        Assert.Equal(4.25, put["data"].Value!["value"].GetDouble());
        // The PUT INIT reply on the connection that already did a GET is only a cache reference.
        var init = Assert.Single(Where(replay, PvaCommand.Put, fromServer: true, sub: 0x08));
        Assert.Equal(3, init.Payload.Length - 6);
        Assert.Equal("epics:nt/NTScalar:1.0", init["type"].Type!.Id);
    }

    [Theory]
    [InlineData("pva-adsim/uint8-8x4/pvget.json", "ubyteValue", 8, 4)]
    [InlineData("pva-adsim/uint8-8x4/pvxget.json", "ubyteValue", 8, 4)]
    [InlineData("pva-adsim/uint16-8x4/pvget.json", "ushortValue", 8, 4)]
    [InlineData("pva-adsim/float32-8x4/pvxget.json", "floatValue", 8, 4)]
    [InlineData("pva-adsim/uint8-512x512/pvxget.json", "ubyteValue", 512, 512)]
    public void Sim_server_images_have_the_right_union_member_and_size(string capture, string member, int nx, int ny)
    {
        var replay = Replay(capture);

        var image = Assert.Single(Where(replay, PvaCommand.Get, fromServer: true, sub: 0x00))["data"].Value!;
        Assert.Equal("epics:nt/NTNDArray:1.0", image.Type.Id);
        Assert.Equal(member, image["value"].SelectedName);
        var pixels = image["value"].Content!.Root.GetArray();
        Assert.Equal(nx * ny, pixels.Count);
        Assert.Equal((long)pixels.ByteLength, image["uncompressedSize"].GetInt64());
        Assert.Equal([nx, ny], image["dimension"].Elements.Select(d => d!["size"].GetInt32()));
    }

    [Fact]
    public void Pvget_image_pixels_are_those_pvget_printed()
    {
        const string capture = "pva-adsim/uint8-8x4/pvget.json";
        var replay = Replay(capture);

        var image = Where(replay, PvaCommand.Get, fromServer: true, sub: 0x00).Single()["data"].Value!;
        var printed = CaptureFiles.Stdout(capture).Single(l => l.TrimStart().StartsWith("ubyte[]", StringComparison.Ordinal));
        Assert.Equal(Conformance(printed), image["value"].Content!.Root.GetArray().ToArray<byte>());
    }

    [Fact]
    public void Pvmonitor_frames_are_those_pvmonitor_printed()
    {
        const string capture = "pva-adsim/uint8-8x4/pvmonitor.json";
        var replay = Replay(capture);

        var frames = Where(replay, PvaCommand.Monitor, fromServer: true, sub: 0x00).Select(m => m["data"].Value!).ToList();
        var stdout = CaptureFiles.Stdout(capture);
        var printedPixels = stdout.Where(l => l.TrimStart().StartsWith("ubyte[]", StringComparison.Ordinal)).Select(Conformance).ToList();
        var printedIds = stdout.Where(l => l.TrimStart().StartsWith("int uniqueId", StringComparison.Ordinal))
            .Select(l => int.Parse(l.Trim().Split(' ')[^1], CultureInfo.InvariantCulture)).ToList();

        Assert.Equal(printedIds, frames.Select(f => f["uniqueId"].GetInt32()));
        Assert.Equal(printedPixels, frames.Select(f => f["value"].Content!.Root.GetArray().ToArray<byte>()));
    }

    [Theory]
    [InlineData("pva-adsim/uint8-8x4/pvmonitor.json", false)]
    [InlineData("pva-adsim/uint8-8x4/pvxmonitor.json", false)]
    [InlineData("pva-adsim/uint8-8x4/pvmonitor-pipeline.json", true)]
    [InlineData("pva-adsim/uint8-8x4/pvxmonitor-pipeline.json", true)]
    [InlineData("pva-hpc-consumer/single/consumer-start.json", false)]
    [InlineData("pva-hpc-consumer/distributor-2consumers/consumers-start.json", false)]
    public void Frame_unique_ids_increase_in_monitor_updates(string capture, bool pipeline)
    {
        var replay = Replay(capture);

        var monitors = replay.Operations.Where(o => o.Command == PvaCommand.Monitor && o.Type?.Id == "epics:nt/NTNDArray:1.0").ToList();
        Assert.NotEmpty(monitors);
        foreach (var op in monitors)
        {
            Assert.Equal(pipeline, op.Pipeline);
            var ids = Where(replay, PvaCommand.Monitor, fromServer: true, sub: 0x00)
                .Where(m => m.Operation == op && m["data"].Value!["uniqueId"].IsChanged)
                .Select(m => m["data"].Value!["uniqueId"].GetInt32()).ToList();
            Assert.True(ids.Count >= 2, $"{capture} ioid {op.Ioid}: {ids.Count} frames");

            // The sim server with pipeline=true re-sends frames it already delivered (README), so there only the first
            // appearances must be in order, one after the other.
            var fresh = pipeline ? ids.Distinct().ToList() : ids;
            for (var i = 1; i < fresh.Count; i++)
            {
                Assert.True(pipeline ? fresh[i] == fresh[i - 1] + 1 : fresh[i] > fresh[i - 1], $"{capture}: uniqueIds {string.Join(",", ids)}");
            }
        }
    }

    [Fact]
    public void Distributor_alternates_frames_between_the_two_consumers()
    {
        var replay = Replay("pva-hpc-consumer/distributor-2consumers/consumers-start.json");

        var frames = Where(replay, PvaCommand.Monitor, fromServer: true, sub: 0x00)
            .Where(m => m["data"].Value!["uniqueId"].IsChanged)
            .Select(m => (m.Operation!.Connection, Id: m["data"].Value!["uniqueId"].GetInt32())).ToList();
        Assert.Equal(2, frames.Select(f => f.Connection).Distinct().Count());
        var byConnection = frames.GroupBy(f => f.Connection).Select(g => g.Select(f => f.Id).ToHashSet()).ToList();
        Assert.Single(byConnection[0].Intersect(byConnection[1])); // only the first frame went to both
    }

    [Theory]
    [InlineData("pva-hpc-consumer/single/consumer-start.json", "record[queueSize=10]field()", "record._options.queueSize=10;field{}")]
    [InlineData("pva-hpc-consumer/distributor-2consumers/consumers-start.json", "record[queueSize=10]field(_[pydistributor=updates:1])",
        "record._options.queueSize=10;field._._options.pydistributor=updates:1")]
    [InlineData("pva-softIocPVA/ai/pvmonitor-pipeline.json", "record[queueSize=4,pipeline=true]field(value)",
        "record._options.queueSize=4;record._options.pipeline=true;field.value{}")]
    [InlineData("pva-softIocPVX/ai/pvxmonitor-pipeline.json", "record[queueSize=4,pipeline=true]field(value)",
        "field.value{};record._options.pipeline=true;record._options.queueSize=4")]
    [InlineData("pva-adsim/uint8-8x4/pvxmonitor.json", "field()", "field{}")]
    [InlineData("pva-adsim/uint8-8x4/pvmonitor.json", "", "")]
    public void Monitor_pvRequests_decode_as_the_readme_says(string capture, string text, string expected)
    {
        var replay = Replay(capture);

        foreach (var init in Where(replay, PvaCommand.Monitor, fromServer: false).Where(m => (m.Sub & 0x08) != 0))
        {
            var request = init["pvRequest"].Value!;
            Assert.Equal(expected, string.Join(";", Flatten(request)));

            // Our own parser builds the same request (member order aside: pvxs puts field first).
            Assert.Equal(Flatten(request).Order(StringComparer.Ordinal), Flatten(PvRequest.Parse(text)).Order(StringComparer.Ordinal));

            var type = init.Operation!.Type!;
            var selection = PvRequest.Interpret(request, type);
            if (text.Contains("queueSize", StringComparison.Ordinal))
            {
                Assert.Equal(text.Contains("=10", StringComparison.Ordinal) ? 10 : 4, selection.QueueSize);
            }

            Assert.Equal(text.Contains("pipeline", StringComparison.Ordinal), selection.Pipeline);
            Assert.Equal(selection.Pipeline, init.Operation.Pipeline);
            if (selection.Pipeline)
            {
                Assert.Equal(4, init["nfree"].Number);
            }

            if (text.Contains("pydistributor", StringComparison.Ordinal))
            {
                Assert.Equal(PvDistributorOptions.PyDistributorPlugin, selection.Distributor!.PluginName);
                Assert.Equal(1, selection.Distributor.Updates);
            }
        }
    }

    [Theory]
    [InlineData("pva-softIocPVA/ai/pvmonitor.json", new[] { 3.5, 6.5, 9 }, new[] { 0, 1, 2 })]
    [InlineData("pva-softIocPVX/ai/pvxmonitor.json", new[] { 9, -7, 3.5 }, new[] { 2, 1, 0 })]
    public void Ai_monitor_updates_apply_onto_the_previous_value(string capture, double[] values, int[] severities)
    {
        var replay = Replay(capture);

        var updates = Where(replay, PvaCommand.Monitor, fromServer: true, sub: 0x00).Select(m => m["data"].Value!).ToList();
        Assert.Equal(values, updates.Select(u => u["value"].GetDouble()));
        Assert.Equal(severities, updates.Select(u => u["alarm.severity"].GetInt32()));

        // Later updates carry only what changed; the limits from the first update are still there.
        Assert.All(updates, u => Assert.Equal(10, u["display.limitHigh"].GetDouble()));
        Assert.All(updates, u => Assert.Equal("mm", u["display.units"].GetString()));
        Assert.False(updates[^1]["display"].IsAnyChanged);
    }

    [Theory]
    [InlineData("pva-softIocPVA/ai/pvinfo.json")]
    [InlineData("pva-softIocPVX/ai/pvinfo.json")]
    [InlineData("pva-adsim/uint8-8x4/pvinfo.json")]
    public void Get_field_types_print_as_pvinfo_printed_them(string capture)
    {
        var replay = Replay(capture);

        var type = Assert.Single(Where(replay, PvaCommand.GetField, fromServer: true))["type"].Type!;
        var lines = CaptureFiles.Stdout(capture);
        var start = Array.IndexOf(lines, "Type:") + 1;
        var printed = lines[start..].TakeWhile(l => l.StartsWith("    ", StringComparison.Ordinal)).Select(l => l[4..] + "\n");
        Assert.Equal(string.Concat(printed), type.ToString());
    }

    [Theory]
    [InlineData("pva-rpc/pvxs-rpc_server/pvcall.json", "pva", 3.75)]
    [InlineData("pva-rpc/pvxs-rpc_server/pvxcall.json", "", 3.75)]
    [InlineData("pva-rpc/pvapy-RpcServer/pvcall.json", "pva", 3.75)]
    [InlineData("pva-rpc/pvapy-RpcServer/pvxcall.json", "", 3.75)]
    public void Rpc_argument_is_an_nturi_and_the_result_is_the_sum(string capture, string scheme, double sum)
    {
        var replay = Replay(capture);

        var argument = Assert.Single(Where(replay, PvaCommand.Rpc, fromServer: false, sub: 0x00))["argument"].Value!;
        Assert.Equal("epics:nt/NTURI:1.0", argument.Type.Id);
        Assert.Equal(scheme, argument["scheme"].GetString());
        Assert.Equal("1.5", argument["query.lhs"].GetString());
        Assert.Equal("2.25", argument["query.rhs"].GetString());

        var result = Assert.Single(Where(replay, PvaCommand.Rpc, fromServer: true, sub: 0x00))["result"].Value!;
        Assert.Equal(sum, result["value"].GetDouble());
        if (capture.Contains("pvapy", StringComparison.Ordinal))
        {
            Assert.Equal("lhs+rhs", result["descriptor"].GetString());
        }
    }

    [Fact]
    public void Rpc_with_bad_arguments_returns_an_invalid_alarm()
    {
        var replay = Replay("pva-rpc/pvxs-rpc_server/pvcall-bad-args.json");

        var reply = Assert.Single(Where(replay, PvaCommand.Rpc, fromServer: true, sub: 0x00));
        Assert.Equal(PvaStatus.Ok, reply["status"].Status);
        Assert.Equal(3, reply["result"].Value!["alarm.severity"].GetInt32());
        Assert.Equal("No such field", reply["result"].Value!["alarm.message"].GetString());
    }

    [Theory]
    [InlineData("pva-softIocPVA/errors/pvput-disabled-record.json", 0x0B, 0x00, StatusType.Error, "Put Disabled")]
    [InlineData("pva-softIocPVX/errors/pvxput-disabled-record.json", 0x0B, 0x00, StatusType.Error, "Unable to put value: Field Disabled: S_db_putDisabled")]
    [InlineData("pva-softIocPVA/errors/pvput-noMod-field.json", 0x0B, 0x00, StatusType.Error, "dbPut for meta fails")]
    [InlineData("pva-softIocPVX/errors/pvxput-noMod-field.json", 0x0B, 0x00, StatusType.Error, "Attempt to modify noMod field")]
    [InlineData("pva-softIocPVA/errors/pvcall-not-rpc.json", 0x14, 0x08, StatusType.Fatal, "Not Implemented")]
    [InlineData("pva-softIocPVX/errors/pvxcall-not-rpc.json", 0x14, 0x00, StatusType.Error, "RPC Not Implemented")]
    [InlineData("pva-softIocPVX/errors/pvget-bad-request.json", 0x0A, 0x08, StatusType.Error, "Op Create implied error")]
    [InlineData("errors/pvdatabase-adsim/pvcall-not-rpc.json", 0x14, 0x08, StatusType.Error, "ChannelRPC not supported")]
    [InlineData("errors/pvdatabase-adsim/pvmonitor-bad-request.json", 0x0D, 0x08, StatusType.Fatal,
        "no fields from the following request were found\nstructure field\n    structure nonexistent\n\n")]
    [InlineData("pva-rpc/pvapy-RpcServer/pvget-not-supported.json", 0x0A, 0x08, StatusType.Fatal, "Not Implemented")]
    public void Error_statuses_decode_with_their_text(string capture, byte command, byte sub, StatusType type, string message)
    {
        var replay = Replay(capture);

        var reply = Assert.Single(Where(replay, (PvaCommand)command, fromServer: true, sub: sub), m => !m["status"].Status.IsSuccess);
        Assert.Equal(new PvaStatus(type, message), reply["status"].Status);
        Assert.Null(reply.Find("type"));
    }

    [Theory]
    [InlineData("pva-softIocPVA/errors/pvxcall-not-rpc.json")]
    [InlineData("errors/pvdatabase-adsim/pvxget-bad-request.json")]
    public void Destroying_a_failed_request_draws_a_bad_request_id_message(string capture)
    {
        var replay = Replay(capture);

        var message = Assert.Single(Where(replay, PvaCommand.Message, fromServer: true));
        Assert.Equal("bad request id", message["text"].Text);
        Assert.Equal(1, message["messageType"].Number);
        Assert.True(message.Operation!.Destroyed);
    }

    private static byte[] Conformance(string printedArray)
    {
        var list = printedArray[(printedArray.LastIndexOf('[') + 1)..printedArray.LastIndexOf(']')];
        return [.. list.Split(',').Select(s => byte.Parse(s, CultureInfo.InvariantCulture))];
    }

    private static string Format(double v) => v.ToString(CultureInfo.InvariantCulture);

    // "a.b=text" for leaves and "a.b{}" for empty structures, in member order.
    private static List<string> Flatten(PvValue request)
    {
        var result = new List<string>();
        Walk(request.Root, string.Empty, result);
        return result;
    }

    private static void Walk(PvField field, string path, List<string> into)
    {
        if (field.Type.Kind != TypeKind.Structure)
        {
            into.Add($"{path}={field.GetString()}");
            return;
        }

        if (field.Type.Members.Count == 0 && path.Length > 0)
        {
            into.Add(path + "{}");
        }

        foreach (var (name, child) in field.Fields)
        {
            Walk(child, path.Length == 0 ? name : path + "." + name, into);
        }
    }
}
