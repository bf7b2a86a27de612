using System.Globalization;
using Epics.Ca.Server;

namespace Pvstream.Cli.Tests;

/// <summary>
/// The consumer's other input and output modes as processes (framework.md §13.4): pvas into pva output into a second
/// consumer's pvas input, rpc output into a second consumer's rpc input, and a CA monitor as input.
/// </summary>
public sealed class ConsumerModesTests : IDisposable
{
    private const string PutInputSource = """
        public sealed class PutInput(JsonObject c) : UserDataProcessor(c)
        {
            public override PvValue? GetInputPvObjectType() =>
                new PvValue(PvType.Builder().Add("uniqueId", ScalarType.Int).Add("x", ScalarType.Double).Build());
        }
        """;

    private static readonly TimeSpan Limit = ConsumerTestEnvironment.Limit;
    private readonly ConsumerTestEnvironment _env = new();

    public void Dispose() => _env.Dispose();

    [Fact]
    public async Task Output_mode_pva_puts_every_object_into_a_remote_record()
    {
        var source = _env.WriteSource("PutInput.cs", PutInputSource);
        using var sink = RunningTool.Start(_env.Variables, "consumer", "-id", "2", "-im", "pvas", "-ic", "m1:sink", "-pf", source, "-pc", "PutInput",
            "-rp", "1", "-rs", "processor");
        using var relay = RunningTool.Start(_env.Variables, "consumer", "-im", "pvas", "-ic", "m1:relay", "-om", "pva", "-oc", "m1:sink",
            "-pf", source, "-pc", "PutInput", "-rp", "1", "-rs", "publisher");
        await _env.WaitForAsync("m1:sink", "uniqueId 0");
        await _env.WaitForAsync("m1:relay", "uniqueId 0");
        foreach (var id in new[] { 1, 2, 3 })
        {
            var put = await Tool.RunAsync(_env.Variables, Limit, "put", "m1:relay", $$"""{"uniqueId":{{id}},"x":{{id}}.25}""");
            Assert.True(put.ExitCode == 0, put.ToString());
        }

        await relay.StdoutLineAsync(l => l.Contains("'nErrors': 0, 'nPublished': 3,", StringComparison.Ordinal), Limit);
        var line = await sink.StdoutLineAsync(l => l.Contains("'nProcessed': 3,", StringComparison.Ordinal), Limit);
        Assert.Contains("'nMissed': 0,", line);
        Assert.Contains("'lastObjectId': 3,", line);
        await _env.WaitForAsync("m1:sink", "double x 3.25");
    }

    [Fact]
    public async Task Output_mode_rpc_calls_the_input_service_of_another_consumer_which_answers_each_call()
    {
        var source = _env.WriteSource("PutInput.cs", PutInputSource);
        using var service = RunningTool.Start(_env.Variables, "consumer", "-id", "2", "-im", "rpc", "-ic", "m2:service", "-oc", "m2:*:output",
            "-pf", source, "-pc", "PutInput", "-rp", "1", "-rs", "processor");
        using var caller = RunningTool.Start(_env.Variables, "consumer", "-im", "pvas", "-ic", "m2:relay", "-om", "rpc", "-oc", "m2:service",
            "-pf", source, "-pc", "PutInput", "-rp", "1", "-rs", "publisher");
        await _env.WaitForAsync("m2:relay", "uniqueId 0");

        // pvcall's NTURI carries no object id: the reply says why the object failed (the caller's errors below stay 0,
        // so every call of the relay was answered with status 0).
        var bad = await Tool.RunAsync(_env.Variables, Limit, "call", "m2:service", """{"x":1.5}""");
        Assert.True(bad.ExitCode == 0, bad.ToString());
        Assert.Contains("int status -1", bad.Stdout);
        Assert.Contains("Error processing input PV object: the object has no scalar object-id field", bad.Stdout);

        foreach (var id in new[] { 1, 2, 3 })
        {
            var put = await Tool.RunAsync(_env.Variables, Limit, "put", "m2:relay", $$"""{"uniqueId":{{id}},"x":{{id}}.5}""");
            Assert.True(put.ExitCode == 0, put.ToString());
        }

        await caller.StdoutLineAsync(l => l.Contains("'nErrors': 0, 'nPublished': 3,", StringComparison.Ordinal), Limit);
        var line = await service.StdoutLineAsync(l => l.Contains("'nProcessed': 3,", StringComparison.Ordinal), Limit);
        Assert.Contains("'nMissed': 0,", line);
        Assert.Contains("'firstObjectId': 1,", line);
        await _env.WaitForAsync("m2:2:output", "double x 3.5");
    }

    [Fact]
    public async Task Input_mode_ca_monitors_a_channel_access_pv()
    {
        await using var server = new CaServer(CaServerOptions.Isolated());
        var counter = server.AddPv("m3:counter", 0);
        server.Start();
        var ca = new Dictionary<string, string>(_env.Variables)
        {
            ["EPICS_CA_ADDR_LIST"] = "127.0.0.1",
            ["EPICS_CA_AUTO_ADDR_LIST"] = "NO",
            ["EPICS_CA_SERVER_PORT"] = server.UdpPort.ToString(CultureInfo.InvariantCulture),
        };
        using var consumer = RunningTool.Start(ca, "consumer", "-im", "ca", "-ic", "m3:counter", "-of", "value", "-oc", "m3:*:output",
            "-rp", "1", "-rs", "receiver,processor");
        await consumer.StdoutLineAsync(l => l.Contains("'nReceived': 1,", StringComparison.Ordinal), Limit); // the initial value, skipped
        for (var i = 1; i <= 5; i++)
        {
            counter.Post(i);
            await Task.Delay(50);
        }

        var line = await consumer.StdoutLineAsync(l => l.Contains("'nProcessed': 5,", StringComparison.Ordinal), Limit);
        Assert.Contains("'nMissed': 0,", line);
        Assert.Contains("'lastObjectId': 5,", line);
        await _env.WaitForAsync("m3:1:output", "  5 ", ca); // printed as an NTScalar: name, time stamp, value
    }
}
