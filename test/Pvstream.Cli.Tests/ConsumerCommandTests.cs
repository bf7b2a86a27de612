using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Pvstream.Cli.Tests;

/// <summary>
/// <c>pvstream consumer</c> as processes: fed by <c>pvstream ad-sim-server</c>, read with <c>pvstream get</c>, driven
/// through its control channel, stopped by a signal; and its answers to bad input.
/// </summary>
public sealed partial class ConsumerCommandTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    private readonly string _scratch = Path.Combine(Path.GetTempPath(), "pvstream-consumer-tests-" + Guid.NewGuid().ToString("N"));
    private readonly Dictionary<string, string> _env;

    public ConsumerCommandTests()
    {
        Directory.CreateDirectory(_scratch);
        var udp = FreeUdpPort().ToString(CultureInfo.InvariantCulture);
        _env = new Dictionary<string, string>
        {
            ["EPICS_PVAS_INTF_ADDR_LIST"] = "127.0.0.1",
            ["EPICS_PVAS_SERVER_PORT"] = "0",
            ["EPICS_PVAS_BROADCAST_PORT"] = udp,
            ["EPICS_PVA_BROADCAST_PORT"] = udp,
            ["EPICS_PVA_ADDR_LIST"] = "127.0.0.1",
            ["EPICS_PVA_AUTO_ADDR_LIST"] = "NO",
            ["EPICS_PVAS_AUTO_BEACON_ADDR_LIST"] = "NO",
            ["EPICS_CAS_INTF_ADDR_LIST"] = "127.0.0.1",
            ["EPICS_CAS_SERVER_PORT"] = "0",
            ["LOCALAPPDATA"] = _scratch,
            ["XDG_DATA_HOME"] = _scratch,
        };
    }

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [Fact]
    public async Task A_passthrough_consumer_serves_status_output_and_control_and_stops_on_command()
    {
        using var sim = RunningTool.Start(_env, "ad-sim-server", "-cn", "t1:image", "-nx", "16", "-ny", "8", "-fps", "50", "-rt", "40", "-dc", "-rp", "0", "-std", "0");
        // A server queue: on a loaded machine the monitor would otherwise coalesce frames, which count as missed.
        using var consumer = RunningTool.Start(_env, "consumer", "-ic", "t1:image", "-sc", "t1:*:status", "-cc", "t1:*:control", "-oc", "t1:*:output",
            "--processor-cl", "pvapy.hpc.userDataProcessor.UserDataProcessor", "-sqs", "100", "-rp", "1");
        await consumer.StdoutLineAsync(l => l.Contains("'nProcessed': ", StringComparison.Ordinal) && !l.Contains("'nProcessed': 0,", StringComparison.Ordinal), Limit);

        var status = await Tool.RunAsync(_env, Limit, "get", "t1:1:status");
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Contains("uint consumerId 1", status.Stdout);
        Assert.Contains("string inputChannel t1:image", status.Stdout);
        Assert.Matches(@"uint nProcessed [1-9]", status.Stdout);
        Assert.Contains("uint nMissed 0", status.Stdout);

        var output = await Tool.RunAsync(_env, Limit, "get", "t1:1:output");
        Assert.True(output.ExitCode == 0, output.ToString());
        Assert.Contains("epics:nt/NTNDArray:1.0", output.Stdout);

        var configure = await Tool.RunAsync(_env, Limit, "put", "t1:1:control", """{"command":"configure","args":"{\"x\":100}"}""");
        Assert.True(configure.ExitCode == 0, configure.ToString());
        await WaitForControlMessageAsync("t1:1:control", "Configuration successful");

        var stop = await Tool.RunAsync(_env, Limit, "put", "t1:1:control", """{"command":"stop"}""");
        Assert.True(stop.ExitCode == 0, stop.ToString());
        Assert.Equal(0, await consumer.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("'nMissed': 0", consumer.Transcript);
        Assert.Matches(@"'endTime': 1\d{9}\.", consumer.Transcript);
    }

    [Theory]
    [InlineData("INT")]
    [InlineData("TERM")]
    public async Task A_signal_stops_the_consumer_with_a_final_report_and_exit_0(string signal)
    {
        using var sim = RunningTool.Start(_env, "ad-sim-server", "-cn", "t2:image", "-nx", "8", "-ny", "8", "-fps", "50", "-rt", "40", "-dc", "-rp", "0", "-std", "0");
        using var consumer = Tool.Start(_env, "consumer", "-ic", "t2:image", "-rp", "1");
        var stdout = new List<string>();
        var firstReport = new TaskCompletionSource();
        consumer.OutputDataReceived += (_, e) =>
        {
            lock (stdout)
            {
                stdout.Add(e.Data ?? string.Empty);
            }

            if (e.Data?.Contains("'nProcessed': ", StringComparison.Ordinal) == true)
            {
                firstReport.TrySetResult();
            }
        };
        consumer.BeginOutputReadLine();
        var stderr = consumer.StandardError.ReadToEndAsync();
        await firstReport.Task.WaitAsync(Limit);
        using (var kill = Process.Start("kill", ["-" + signal, consumer.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await consumer.WaitForExitAsync(cts.Token);
        Assert.True(consumer.ExitCode == 0, await stderr);
        lock (stdout)
        {
            Assert.True(stdout.Count(l => l.StartsWith("{ 'consumerId': 1,", StringComparison.Ordinal)) >= 2, string.Join('\n', stdout));
        }
    }

    [Fact]
    public async Task Two_consumers_with_one_distributor_update_each_see_odd_and_even_frames()
    {
        using var sim = RunningTool.Start(_env, "ad-sim-server", "-cn", "t3:image", "-nx", "8", "-ny", "8", "-fps", "40", "-rt", "40", "-dc", "-rp", "0", "-std", "12"); // both consumers join before the first frame
        var one = Tool.RunAsync(_env, Limit, "consumer", "-ic", "t3:image", "-id", "1", "-nc", "1", "-du", "1", "-oo", "2", "-rt", "16");
        // The second outlives the first (once alone it gets every frame), so the first one's counts are exact.
        var two = Tool.RunAsync(_env, Limit, "consumer", "-ic", "t3:image", "-id", "2", "-du", "1", "-oo", "2", "-rt", "19");
        var results = await Task.WhenAll(one, two);
        var firsts = new List<long>();
        foreach (var r in results.Take(1))
        {
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Contains("'nMissed': 0,", r.Stdout);
            var first = long.Parse(FirstId().Match(r.Stdout).Groups[1].Value, CultureInfo.InvariantCulture);
            var last = long.Parse(LastId().Match(r.Stdout).Groups[1].Value, CultureInfo.InvariantCulture);
            var processed = long.Parse(Processed().Match(r.Stdout).Groups[1].Value, CultureInfo.InvariantCulture);
            Assert.True(processed > 20, r.Stdout);
            Assert.Equal(((last - first) / 2) + 1, processed); // every second id, none missing
            firsts.Add(first);
        }

        Assert.True(results[1].ExitCode == 0, results[1].ToString());
        firsts.Add(long.Parse(FirstId().Match(results[1].Stdout).Groups[1].Value, CultureInfo.InvariantCulture));

        Assert.NotEqual(firsts[0] % 2, firsts[1] % 2);
    }

    [Fact]
    public async Task Two_consumer_processes_serve_their_own_channels_stop_one_by_one_and_add_up_at_the_end()
    {
        using var sim = RunningTool.Start(_env, "ad-sim-server", "-cn", "t6:image", "-nx", "8", "-ny", "8", "-fps", "40", "-rt", "60", "-dc", "-rp", "0", "-std", "4");
        using var parent = RunningTool.Start(_env, "consumer", "-ic", "t6:image", "-nc", "2", "-du", "1", "-sc", "t6:*:status", "-cc", "t6:*:control", "-rp", "1");
        foreach (var id in new[] { 1, 2 })
        {
            await WaitForAsync($"t6:{id}:status", $"uint consumerId {id}");
        }

        for (var i = 0; i < 2; i++)
        {
            await parent.StdoutLineAsync(l => Regex.IsMatch(l, @"'nProcessed': [1-9]\d,"), Limit); // the children's relayed reports
        }

        // stop on child 1's control channel ends child 1 only: child 2 still answers, the parent keeps running.
        var stop = await Tool.RunAsync(_env, Limit, "put", "t6:1:control", """{"command":"stop"}""");
        Assert.True(stop.ExitCode == 0, stop.ToString());
        var gone = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while ((await Tool.RunAsync(_env, Limit, "get", "-w", "1", "t6:1:status")).ExitCode == 0)
        {
            Assert.True(DateTime.UtcNow < gone, "consumer 1 still serves its status after stop");
        }

        await Task.Delay(1000); // consumer 2 goes on receiving
        await WaitForAsync("t6:2:status", "uint consumerId 2");
        Assert.False(parent.HasExited, parent.Transcript);

        // SIGTERM to the parent is forwarded; it prints both final reports and the combined statistics, exit 0.
        using (var kill = Process.Start("kill", ["-TERM", parent.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync().WaitAsync(Limit);
        }

        Assert.True(await parent.WaitForExitAsync(TimeSpan.FromSeconds(30)) == 0, parent.Transcript);
        var transcript = parent.Transcript;
        var combinedAt = transcript.IndexOf("Combined System Stats:", StringComparison.Ordinal);
        Assert.True(combinedAt > 0, transcript);
        Assert.Equal(["1", "2"], ConsumerIdKey().Matches(transcript).TakeLast(2).Select(m => m.Groups[1].Value)); // the final reports
        var processed = Processed().Matches(transcript).TakeLast(3).Select(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        var received = Received().Matches(transcript).TakeLast(3).Select(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        Assert.True(processed[0] > 0 && processed[1] > 0, transcript);
        Assert.Equal(processed[0] + processed[1], processed[2]);
        Assert.Equal(received[0] + received[1], received[2]);
        var finals = transcript[ConsumerIdKey().Matches(transcript).TakeLast(2).First().Index..];
        Assert.Contains("'nMissed': 0,", finals[..finals.IndexOf("'consumerId': 2", StringComparison.Ordinal)]); // consumer 1 saw every second frame
        Assert.True(processed[1] > processed[0], transcript); // consumer 2 ran longer
    }

    [Fact]
    public async Task Metadata_channels_over_pva_and_ca_fill_their_own_queues_and_publish_real_statistics()
    {
        // The simulator's CA server and the consumer's CA client meet on a port of their own.
        var ca = new Dictionary<string, string>(_env) { ["EPICS_CA_ADDR_LIST"] = "127.0.0.1", ["EPICS_CA_AUTO_ADDR_LIST"] = "NO" };
        ca.Remove("EPICS_CAS_SERVER_PORT");
        ca["EPICS_CA_SERVER_PORT"] = Pvstream.Testing.TestPorts.Next().ToString(CultureInfo.InvariantCulture);
        var source = Path.Combine(_scratch, "MetadataCounter.cs");
        await File.WriteAllTextAsync(source, """
            public sealed class MetadataCounter(JsonObject c) : UserDataProcessor(c)
            {
                private long _taken;
                public override PvValue? Process(PvValue v)
                {
                    foreach (var queue in MetadataQueues.Values)
                    {
                        while (queue.TryTake(out var m)) { using (m) { _taken++; } }
                    }
                    return v;
                }
                public override IReadOnlyDictionary<string, object> GetStats() => new Dictionary<string, object> { ["nTaken"] = _taken };
                public override IReadOnlyDictionary<string, ScalarType> GetStatsPvaTypes() => new Dictionary<string, ScalarType> { ["nTaken"] = ScalarType.ULong };
            }
            """);
        using var sim = RunningTool.Start(ca, "ad-sim-server", "-cn", "t7:image", "-nx", "8", "-ny", "8", "-fps", "20", "-rt", "60", "-dc", "-rp", "0", "-std", "3",
            "-mpv", "pva://t7:x,t7:y");
        using var consumer = RunningTool.Start(ca, "consumer", "-ic", "t7:image", "-mc", "pva://t7:x,ca://t7:y,t7:none", "-sc", "t7:*:status",
            "-pf", source, "-pc", "MetadataCounter", "-rp", "1", "-rs", "metadata");
        await consumer.StdoutLineAsync(l => Regex.IsMatch(l, @"'metadata-2': \{'channel': 't7:y', 'queueStats': \{'nDelivered': [1-9]"), Limit);

        var status = await Tool.RunAsync(ca, Limit, "get", "t7:1:status");
        Assert.True(status.ExitCode == 0, status.ToString());
        foreach (var (n, channel) in new[] { (1, "t7:x"), (2, "t7:y"), (3, "t7:none") })
        {
            var section = status.Stdout[status.Stdout.IndexOf($"structure metadataStats_{n}", StringComparison.Ordinal)..];
            Assert.Contains($"uint producerId {n}", section);
            Assert.Contains($"string channel {channel}", section);
            Assert.Matches(n == 3 ? @"^[^\n]*\n[^\n]*\n[^\n]*\n\s+structure receiverStats\s+uint nReceived 0" : @"structure receiverStats\s+uint nReceived [1-9]", section);
        }

        Assert.Matches(@"structure queueStats\s+uint nReceived [1-9]\d*\s+uint nRejected 0\s+uint nDelivered [1-9]", status.Stdout[status.Stdout.IndexOf("metadataStats_1", StringComparison.Ordinal)..]);
        Assert.Matches(@"ulong nTaken [1-9]", status.Stdout);
    }

    [Fact]
    public async Task Input_mode_pvas_hosts_the_input_record_and_processes_every_put_without_skipping_one()
    {
        var source = Path.Combine(_scratch, "PutInput.cs");
        await File.WriteAllTextAsync(source, """
            public sealed class PutInput(JsonObject c) : UserDataProcessor(c)
            {
                public override PvValue? GetInputPvObjectType() =>
                    new PvValue(PvType.Builder().Add("uniqueId", ScalarType.Int).Add("x", ScalarType.Double).Build());
            }
            """);
        using var consumer = RunningTool.Start(_env, "consumer", "-im", "pvas", "-ic", "t8:input", "-oc", "t8:*:output", "-pf", source, "-pc", "PutInput",
            "-rp", "1", "-rs", "processor");
        await WaitForAsync("t8:input", "uniqueId 0");
        foreach (var id in new[] { 1, 2, 3, 5 })
        {
            var put = await Tool.RunAsync(_env, Limit, "put", "t8:input", $$"""{"uniqueId":{{id}},"x":{{id}}.5}""");
            Assert.True(put.ExitCode == 0, put.ToString());
        }

        // The first put counts (no initial update to skip); 4 is missing.
        var line = await consumer.StdoutLineAsync(l => l.Contains("'nProcessed': 4,", StringComparison.Ordinal), Limit);
        Assert.Contains("'nMissed': 1,", line);
        Assert.Contains("'firstObjectId': 1,", line);
        var output = await Tool.RunAsync(_env, Limit, "get", "t8:1:output");
        Assert.True(output.ExitCode == 0, output.ToString());
        Assert.Contains("double x 5.5", output.Stdout);
    }

    [Fact]
    public async Task Accumulation_holds_objects_until_enough_are_queued_or_the_input_is_quiet()
    {
        var source = Path.Combine(_scratch, "PutInput.cs");
        await File.WriteAllTextAsync(source, """
            public sealed class PutInput(JsonObject c) : UserDataProcessor(c)
            {
                public override PvValue? GetInputPvObjectType() => new PvValue(PvType.Builder().Add("uniqueId", ScalarType.Int).Build());
            }
            """);
        using var consumer = RunningTool.Start(_env, "consumer", "-im", "pvas", "-ic", "t9:input", "-pf", source, "-pc", "PutInput",
            "-rqs", "0", "-ao", "3", "-at", "8", "-rp", "1", "-rs", "queue");
        await WaitForAsync("t9:input", "uniqueId 0");
        async Task PutAsync(int id)
        {
            var put = await Tool.RunAsync(_env, Limit, "put", "t9:input", $$"""{"uniqueId":{{id}}}""");
            Assert.True(put.ExitCode == 0, put.ToString());
        }

        // After a quiet spell the first object is taken at once, as the reference's blocking take does.
        await PutAsync(1);
        await consumer.StdoutLineAsync(l => l.Contains("'nDelivered': 1, 'nQueued': 0,", StringComparison.Ordinal), Limit);

        // Two more, fewer than 3: they wait until the input has been quiet for 8 s.
        await PutAsync(2);
        await PutAsync(3);
        var lastPut = Stopwatch.StartNew();
        await consumer.StdoutLineAsync(l => l.Contains("'nDelivered': 1, 'nQueued': 2,", StringComparison.Ordinal), Limit);
        await consumer.StdoutLineAsync(l => l.Contains("'nDelivered': 3, 'nQueued': 0,", StringComparison.Ordinal), Limit);
        Assert.True(lastPut.Elapsed >= TimeSpan.FromSeconds(7.5), $"processed {lastPut.Elapsed.TotalSeconds} s after the last put");

        // 4 is taken at once; once 5, 6, 7 are queued (3) one is taken long before the quiet time, and the two left
        // (fewer than 3 again) wait for it (§7.4: one object per look).
        foreach (var id in new[] { 4, 5, 6, 7 })
        {
            await PutAsync(id);
        }

        lastPut.Restart();
        await consumer.StdoutLineAsync(l => l.Contains("'nDelivered': 5, 'nQueued': 2,", StringComparison.Ordinal), Limit);
        Assert.True(lastPut.Elapsed < TimeSpan.FromSeconds(6), $"taken {lastPut.Elapsed.TotalSeconds} s after the last put");
        await consumer.StdoutLineAsync(l => l.Contains("'nDelivered': 7, 'nQueued': 0,", StringComparison.Ordinal), Limit);
        Assert.True(lastPut.Elapsed >= TimeSpan.FromSeconds(7.5), $"processed {lastPut.Elapsed.TotalSeconds} s after the last put");
    }

    [Fact]
    public async Task Consumer_processes_that_fail_make_the_parent_fail()
    {
        var r = await Tool.RunAsync(_env, Limit, "consumer", "-ic", "x", "-cid", "range(4,6)", "-pc", "NoSuchClass");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal(2, Regex.Matches(r.Stderr, "Error: Could not find processor class 'NoSuchClass'").Count);
        Assert.Contains("Consumer 4 failed (exit code 2)", r.Stderr);
        Assert.Contains("Consumer 5 failed (exit code 2)", r.Stderr);

        var badList = await Tool.RunAsync(_env, Limit, "consumer", "-ic", "x", "-cid", "1,a");
        Assert.Equal(2, badList.ExitCode);
        Assert.StartsWith("Error: --consumer-id-list 1,a: 'a' is not an integer", Assert.Single(badList.ErrorLines));
    }

    [Fact]
    public async Task A_processor_that_always_throws_is_counted_and_the_stream_goes_on()
    {
        var source = Path.Combine(_scratch, "Throwing.cs");
        await File.WriteAllTextAsync(source, "public sealed class Throwing(JsonObject c) : UserDataProcessor(c) { public override PvValue? Process(PvValue v) => throw new InvalidOperationException(\"no\"); }");
        using var sim = RunningTool.Start(_env, "ad-sim-server", "-cn", "t4:image", "-nx", "8", "-ny", "8", "-fps", "50", "-rt", "40", "-dc", "-rp", "0", "-std", "0");
        var r = await Tool.RunAsync(_env, Limit, "consumer", "-ic", "t4:image", "-pf", source, "-pc", "Throwing", "-rt", "3");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("'nProcessed': 0,", r.Stdout);
        Assert.Matches(@"'nErrors': [1-9]\d", r.Stdout);
        Assert.Single(Regex.Matches(r.Stderr, "Processing error: no"));
    }

    [Fact]
    public async Task Bad_input_says_what_is_wrong_and_exits_2()
    {
        var missing = await Tool.RunAsync(_env, Limit, "consumer", "-ic", "x", "-pc", "NoSuchClass");
        Assert.Equal(2, missing.ExitCode);
        Assert.StartsWith("Error: Could not find processor class 'NoSuchClass'", Assert.Single(missing.ErrorLines));

        var source = Path.Combine(_scratch, "Broken.cs");
        await File.WriteAllTextAsync(source, "public sealed class Broken(JsonObject c) : UserDataProcessor(c)\n{\n    int x = \"text\";\n}\n");
        var broken = await Tool.RunAsync(_env, Limit, "consumer", "-ic", "x", "-pf", source, "-pc", "Broken");
        Assert.Equal(2, broken.ExitCode);
        Assert.Contains($"{source}:3:13: error CS0029: ", broken.Stderr);

        var args = await Tool.RunAsync(_env, Limit, "consumer", "-ic", "x", "-pa", "{bad json");
        Assert.Equal(2, args.ExitCode);
        Assert.StartsWith("Error: --processor-args is not valid JSON: ", Assert.Single(args.ErrorLines));

        var unknown = await Tool.RunAsync(_env, Limit, "consumer", "-ic", "x", "--no-such-option");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("--no-such-option", unknown.Stderr);

        var sets = await Tool.RunAsync(_env, Limit, "consumer", "-ic", "x", "-du", "3", "-nds", "2");
        Assert.Equal(2, sets.ExitCode);
        Assert.Equal(["Error: Number of distributor sets is 2, but no distributor set is specified (--distributor-set)."], sets.ErrorLines);

        var noInput = await Tool.RunAsync(_env, Limit, "consumer", "-pc", "AdImageProcessor");
        Assert.Equal(2, noInput.ExitCode);
    }

    private Task WaitForControlMessageAsync(string channel, string message) => WaitForAsync(channel, message);

    private async Task WaitForAsync(string channel, string message)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        ToolResult? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = await Tool.RunAsync(_env, Limit, "get", channel);
            if (last.Stdout.Contains(message, StringComparison.Ordinal))
            {
                return;
            }

            await Task.Delay(200);
        }

        Assert.Fail($"{channel} never showed '{message}': {last}");
    }

    private static int FreeUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    [GeneratedRegex(@"'firstObjectId': (\d+)")]
    private static partial Regex FirstId();

    [GeneratedRegex(@"'lastObjectId': (\d+)")]
    private static partial Regex LastId();

    [GeneratedRegex(@"'nProcessed': (\d+)")]
    private static partial Regex Processed();

    [GeneratedRegex(@"'nReceived': (\d+)")]
    private static partial Regex Received();

    [GeneratedRegex(@"'consumerId': (\d+)")]
    private static partial Regex ConsumerIdKey();
}
