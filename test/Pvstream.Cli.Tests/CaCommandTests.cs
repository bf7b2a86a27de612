using System.Globalization;
using Epics.Ca;
using Epics.Ca.Server;

namespace Pvstream.Cli.Tests;

/// <summary>
/// <c>pvstream ca get|put|monitor</c> as separate processes against an isolated in-process CA server. Expected text
/// follows what caget/caput/camonitor printed for the softIoc in shared/conformance/ca-softIoc.
/// </summary>
public class CaCommandTests
{
    private static readonly CaPvMetadata AiMetadata = new()
    {
        Units = "mm",
        Precision = 3,
        DisplayLow = -10,
        DisplayHigh = 10,
        AlarmLow = -8,
        WarningLow = -6,
        WarningHigh = 6,
        AlarmHigh = 8,
        ControlLow = -10,
        ControlHigh = 10,
    };

    [Fact]
    public async Task Get_prints_the_name_in_a_30_column_field_and_the_value_like_caget()
    {
        await using var s = await CaTestServer.StartAsync(("t:ai", 3.5));
        var r = await s.RunAsync("get", "t:ai");
        Assert.True(r.ExitCode == 0, r.ToString());
        // ai/caget.stdout.txt: "conf:ai" then spaces up to column 31.
        Assert.Equal("t:ai                           3.5\n", r.Stdout);
        Assert.Empty(r.Stderr);
    }

    [Fact]
    public async Task Get_terse_prints_the_value_alone_and_several_pvs_in_order()
    {
        await using var s = await CaTestServer.StartAsync(("t:a", 1e6), ("t:b", 0.1 + 0.2), ("t:c", 1234567));
        var r = await s.RunAsync("get", "-t", "t:a", "t:b", "t:c");
        Assert.True(r.ExitCode == 0, r.ToString());
        // caget prints doubles with "%g".
        Assert.Equal("1e+06\n0.3\n1.23457e+06\n", r.Stdout);
    }

    [Fact]
    public async Task Get_of_an_array_prints_the_count_then_the_elements()
    {
        await using var s = await CaTestServer.StartAsync();
        s.Server.AddPv("t:wf", [1.5, 2.5, 3.5]);
        var r = await s.RunAsync("get", "t:wf");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("t:wf 3 1.5 2.5 3.5\n", r.Stdout);
        var two = await s.RunAsync("get", "--elements", "2", "-t", "t:wf");
        Assert.True(two.ExitCode == 0, two.ToString());
        Assert.Equal("2 1.5 2.5\n", two.Stdout);
    }

    [Fact]
    public async Task Get_all_prints_timestamp_value_status_and_severity()
    {
        await using var s = await CaTestServer.StartAsync(("t:ai", 0));
        var stamp = new DateTimeOffset(2026, 11, 24, 1, 53, 38, TimeSpan.Zero).AddTicks(1425957);
        s.Server.Find("t:ai")!.Post(6.5, stamp, new CaAlarm(CaSeverity.Minor, CaAlarmStatus.High));
        var r = await s.RunAsync("get", "-a", "t:ai");
        Assert.True(r.ExitCode == 0, r.ToString());
        // Rounded to the microsecond as epicsTime's "%06f" does (softIoc's caget printed .943251 for 943250xxx+ ns).
        var time = stamp.AddTicks(3).ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture);
        // ai/camonitor.stdout.txt line 2 has this shape: "conf:ai   2026-11-24 01:53:38.142595 6.5 HIGH MINOR".
        Assert.Equal("t:ai".PadRight(30) + " " + time + " 6.5 HIGH MINOR\n", r.Stdout);

        s.Server.Find("t:ai")!.Post(2, stamp);
        var quiet = await s.RunAsync("get", "-a", "t:ai");
        Assert.Equal("t:ai".PadRight(30) + " " + time + " 2  \n", quiet.Stdout);
    }

    [Fact]
    public async Task Get_with_a_dbr_type_prints_every_field_like_caget_d()
    {
        await using var s = await CaTestServer.StartAsync();
        s.Server.AddPv("t:ai", 3.5, AiMetadata);
        var r = await s.RunAsync("get", "-d", "DBR_CTRL_DOUBLE", "t:ai");
        Assert.True(r.ExitCode == 0, r.ToString());
        // ai/caget-DBR_CTRL_DOUBLE.stdout.txt, but our PV has no alarm where the IOC's was UDF.
        Assert.Equal(
            """
            t:ai
                Native data type: DBF_DOUBLE
                Request type:     DBR_CTRL_DOUBLE
                Element count:    1
                Value:            3.5
                Status:           NO_ALARM
                Severity:         NO_ALARM
                Units:            mm
                Precision:        3
                Lo disp limit:    -10
                Hi disp limit:    10
                Lo alarm limit:   -8
                Lo warn limit:    -6
                Hi warn limit:    6
                Hi alarm limit:   8
                Lo ctrl limit:    -10
                Hi ctrl limit:    10

            """.ReplaceLineEndings("\n"),
            r.Stdout);

        var asLong = await s.RunAsync("get", "-d", "CTRL_LONG", "t:ai");
        Assert.True(asLong.ExitCode == 0, asLong.ToString());
        // lo/caget-DBR_CTRL_LONG.stdout.txt: integer limits are "%8d" and there is no precision line.
        Assert.Contains("    Request type:     DBR_CTRL_LONG\n", asLong.Stdout);
        Assert.Contains("    Value:            3\n", asLong.Stdout);
        Assert.Contains("    Lo disp limit:         -10\n", asLong.Stdout);
        Assert.DoesNotContain("Precision", asLong.Stdout);
    }

    [Fact]
    public async Task Get_with_an_unknown_dbr_type_is_bad_input_exit_2()
    {
        await using var s = await CaTestServer.StartAsync(("t:ai", 1));
        var r = await s.RunAsync("get", "-d", "DBR_NOPE", "t:ai");
        Assert.Equal(2, r.ExitCode);
        Assert.Empty(r.Stdout);
        Assert.Contains("DBR_NOPE", Assert.Single(r.ErrorLines));
    }

    [Fact]
    public async Task Get_of_an_unknown_channel_prints_caget_s_line_and_exits_1_after_the_timeout()
    {
        await using var s = await CaTestServer.StartAsync(("t:ai", 4));
        var started = DateTime.UtcNow;
        var r = await s.RunAsync("get", "-w", "0.5", "t:ai", "no:such:pv");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("t:ai                           4\n", r.Stdout);
        // errors/caget-nonexistent.stdout.txt
        Assert.Equal("Channel connect timed out: 'no:such:pv' not found.", Assert.Single(r.ErrorLines));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task Put_prints_old_and_new_like_caput_and_changes_the_pv()
    {
        await using var s = await CaTestServer.StartAsync(("t:ai", 9));
        var r = await s.RunAsync("put", "t:ai", "4.25");
        Assert.True(r.ExitCode == 0, r.ToString());
        // ai/caput.stdout.txt
        Assert.Equal("Old : t:ai                           9\nNew : t:ai                           4.25\n", r.Stdout);
        Assert.Equal(4.25, s.Server.Find("t:ai")!.Value);

        var callback = await s.RunAsync("put", "-c", "t:ai", "5.75");
        Assert.True(callback.ExitCode == 0, callback.ToString());
        Assert.Equal("Old : t:ai                           4.25\nNew : t:ai                           5.75\n", callback.Stdout);
        Assert.Equal(5.75, s.Server.Find("t:ai")!.Value);

        var terse = await s.RunAsync("put", "-t", "t:ai", "-1.5");
        Assert.True(terse.ExitCode == 0, terse.ToString());
        Assert.Equal("-1.5\n", terse.Stdout);
    }

    [Fact]
    public async Task Put_array_takes_the_count_then_the_elements()
    {
        await using var s = await CaTestServer.StartAsync();
        var wf = s.Server.AddPv("t:wf", [10.0, 20, 30], capacity: 10);
        var r = await s.RunAsync("put", "-a", "t:wf", "2", "0.5", "1.5");
        Assert.True(r.ExitCode == 0, r.ToString());
        // caput reads back all native elements (10 here), zero-padded past the current length, as with a softIoc waveform.
        Assert.Equal("Old : t:wf 10 10 20 30 0 0 0 0 0 0 0\nNew : t:wf 10 0.5 1.5 0 0 0 0 0 0 0 0\n", r.Stdout);
        Assert.Equal([0.5, 1.5], wf.Values);
    }

    [Fact]
    public async Task Put_of_a_malformed_value_is_bad_input_and_writes_nothing()
    {
        await using var s = await CaTestServer.StartAsync(("t:ai", 1.5));
        var r = await s.RunAsync("put", "t:ai", "abc");
        Assert.Equal(2, r.ExitCode);
        Assert.Empty(r.Stdout);
        var line = Assert.Single(r.ErrorLines);
        Assert.Contains("'abc' is not a number", line);
        Assert.Contains("DBF_DOUBLE", line);
        Assert.Equal(1.5, s.Server.Find("t:ai")!.Value);

        var count = await s.RunAsync("put", "-a", "t:ai", "3", "1", "2");
        Assert.Equal(2, count.ExitCode);
        Assert.Contains("count 3 but 2", Assert.Single(count.ErrorLines));

        var tooMany = await s.RunAsync("put", "-a", "t:ai", "2", "1", "2");
        Assert.Equal(2, tooMany.ExitCode);
        Assert.Contains("Invalid element count", Assert.Single(tooMany.ErrorLines));
        Assert.Equal(1.5, s.Server.Find("t:ai")!.Value);
    }

    [Fact]
    public async Task Put_callback_the_server_rejects_prints_old_then_exits_1_with_one_line()
    {
        await using var s = await CaTestServer.StartAsync(("t:ai", 1));
        // -s sends the text as DBR_STRING; the server cannot convert it and answers the WRITE_NOTIFY with an error
        // (errors/caput-c-disabled-record.stdout.txt: Old line, then the failure, exit 1).
        var r = await s.RunAsync("put", "-c", "-s", "t:ai", "abc");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("Old : t:ai                           1\n", r.Stdout);
        var line = Assert.Single(r.ErrorLines);
        Assert.StartsWith("Error: t:ai:", line);
        Assert.Equal(1, s.Server.Find("t:ai")!.Value);

        var converted = await s.RunAsync("put", "-c", "-s", "t:ai", "7.5");
        Assert.True(converted.ExitCode == 0, converted.ToString());
        Assert.Equal(7.5, s.Server.Find("t:ai")!.Value);
    }

    [Fact]
    public async Task Put_to_an_unknown_channel_exits_1()
    {
        await using var s = await CaTestServer.StartAsync(("t:ai", 1));
        var r = await s.RunAsync("put", "-w", "0.5", "no:such:pv", "1");
        Assert.Equal(1, r.ExitCode);
        Assert.Empty(r.Stdout);
        Assert.Equal("Channel connect timed out: 'no:such:pv' not found.", Assert.Single(r.ErrorLines));
    }

    [Fact]
    public async Task Monitor_prints_camonitor_lines_and_exits_after_the_count()
    {
        await using var s = await CaTestServer.StartAsync(("t:ai", 0));
        var pv = s.Server.Find("t:ai")!;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var process = Tool.Start(s.Environment, "ca", "monitor", "-#", "4", "t:ai");
        process.StandardInput.Close();
        var stderr = process.StandardError.ReadToEndAsync(cts.Token);
        var lines = new List<string>();
        try
        {
            // The first line is the current value; only then post, so that no update races the subscription.
            lines.Add(await process.StandardOutput.ReadLineAsync(cts.Token) ?? string.Empty);
            var posting = Task.Run(async () =>
            {
                for (var i = 1; !cts.IsCancellationRequested; i++)
                {
                    pv.Post(i, DateTimeOffset.UtcNow, i % 2 == 0 ? new CaAlarm(CaSeverity.Major, CaAlarmStatus.HiHi) : CaAlarm.None);
                    await Task.Delay(100, cts.Token);
                }
            });
            while (await process.StandardOutput.ReadLineAsync(cts.Token) is { } line)
            {
                lines.Add(line);
            }

            await process.WaitForExitAsync(cts.Token);
            await cts.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => posting.WaitAsync(TimeSpan.FromSeconds(10)));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {await stderr.WaitAsync(TimeSpan.FromSeconds(5))}");
        Assert.Equal(4, lines.Count);
        var values = new List<int>();
        foreach (var line in lines)
        {
            // ai/camonitor.stdout.txt: "conf:ai   2026-11-24 01:53:38.844265 9 HIHI MAJOR"; no alarm ends in two spaces.
            var m = System.Text.RegularExpressions.Regex.Match(
                line, @"^t:ai {27}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} (?<v>\d+) (?<tail> |HIHI MAJOR)$");
            Assert.True(m.Success, line);
            var v = int.Parse(m.Groups["v"].Value, CultureInfo.InvariantCulture);
            Assert.Equal(v != 0 && v % 2 == 0 ? "HIHI MAJOR" : " ", m.Groups["tail"].Value);
            values.Add(v);
        }

        Assert.Equal([0, 1, 2, 3], values);
    }

    [Fact]
    public async Task Monitor_prints_a_disconnected_line_when_the_server_goes_away()
    {
        // Disposed by hand mid-test (CaServer.DisposeAsync may run only once).
        var s = await CaTestServer.StartAsync(("t:ai", 2.5));
        var stopped = false;
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            using var process = Tool.Start(s.Environment, "ca", "monitor", "-#", "2", "t:ai");
            process.StandardInput.Close();
            try
            {
                var first = await process.StandardOutput.ReadLineAsync(cts.Token);
                Assert.Matches(@"^t:ai {27}\S+ \S+ 2\.5  $", first);
                stopped = true;
                await s.Server.DisposeAsync().AsTask().WaitAsync(cts.Token);
                var second = await process.StandardOutput.ReadLineAsync(cts.Token);
                // camonitor prints the current time and "*** disconnected".
                Assert.Matches(@"^t:ai {27}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} \*\*\* disconnected$", second);
                await process.WaitForExitAsync(cts.Token);
                Assert.Equal(0, process.ExitCode);
            }
            finally
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
            }
        }
        finally
        {
            if (!stopped)
            {
                await s.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Monitor_of_an_unknown_channel_exits_1_after_the_timeout()
    {
        await using var s = await CaTestServer.StartAsync(("t:ai", 1));
        var r = await s.RunAsync("monitor", "-w", "0.5", "no:such:pv");
        Assert.Equal(1, r.ExitCode);
        Assert.Empty(r.Stdout);
        Assert.Equal("Channel connect timed out: 'no:such:pv' not found.", Assert.Single(r.ErrorLines));
    }

    [Fact]
    public async Task A_malformed_environment_is_bad_input_exit_2()
    {
        await using var s = await CaTestServer.StartAsync(("t:ai", 1));
        var env = new Dictionary<string, string>(s.Environment) { ["EPICS_CA_SERVER_PORT"] = "not-a-port" };
        var r = await Tool.RunAsync(env, "ca", "get", "t:ai");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("EPICS_CA_SERVER_PORT", Assert.Single(r.ErrorLines));
    }

    /// <summary>An isolated CA server (127.0.0.1, ephemeral ports) and the EPICS_CA_* environment that finds it.</summary>
    private sealed class CaTestServer : IAsyncDisposable
    {
        private CaTestServer(CaServer server)
        {
            Server = server;
            Environment = new Dictionary<string, string>
            {
                ["EPICS_CA_ADDR_LIST"] = "127.0.0.1",
                ["EPICS_CA_AUTO_ADDR_LIST"] = "NO",
                ["EPICS_CA_SERVER_PORT"] = server.UdpPort.ToString(CultureInfo.InvariantCulture),
            };
        }

        public CaServer Server { get; }

        public IReadOnlyDictionary<string, string> Environment { get; }

        public static Task<CaTestServer> StartAsync(params (string Name, double Value)[] pvs)
        {
            var server = new CaServer(CaServerOptions.Isolated());
            foreach (var (name, value) in pvs)
            {
                server.AddPv(name, value);
            }

            server.Start();
            return Task.FromResult(new CaTestServer(server));
        }

        public Task<ToolResult> RunAsync(params string[] args) => Tool.RunAsync(Environment, ["ca", .. args]);

        public ValueTask DisposeAsync() => Server.DisposeAsync();
    }
}
