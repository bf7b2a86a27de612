using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Epics.Pva;
using Epics.Pva.Data;
using Epics.Pva.Data.NT;

namespace Pvstream.Cli.Tests;

public partial class ServeCommandTests
{
    // The serve process binds loopback on ephemeral ports and sends no beacons: it only exists for this test.
    private static readonly Dictionary<string, string> IsolatedServer = new()
    {
        ["EPICS_PVAS_INTF_ADDR_LIST"] = "127.0.0.1",
        ["EPICS_PVAS_SERVER_PORT"] = "0",
        ["EPICS_PVAS_BROADCAST_PORT"] = "0",
        ["EPICS_PVAS_AUTO_BEACON_ADDR_LIST"] = "NO",
    };

    [Fact]
    public async Task Serve_process_hosts_pvs_our_client_reads_writes_monitors_and_calls()
    {
        using var process = Tool.Start(
            IsolatedServer, "serve", "--list", "--prefix", "s:", "x=double:2.5", "wf=int[]:[1,2,3]", "mode=enum:Off,On",
            "count=counter@20", "img=image:16x8:ushort@5", "add=add");
        try
        {
            var (tcp, udp) = await ReadPortsAsync(process);
            var listed = new List<string>();
            for (var i = 0; i < 6; i++)
            {
                listed.Add(await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)) ?? string.Empty);
            }

            Assert.StartsWith("s:x ", listed[0]);
            Assert.Contains("NTScalar double = 2.5, writable", listed[0]);
            Assert.Contains("NTNDArray 16x8 ushort", listed[4]);

            await using var client = new Epics.Pva.Client.PvaClient(PvaServerOptions.Isolated().CreateClientOptions(udp, tcp));
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var x = await client.GetAsync("s:x", cancellationToken: cts.Token);
            Assert.Equal(2.5, x["value"].GetDouble());
            Assert.Equal(new[] { 1, 2, 3 }, (await client.GetAsync("s:wf", cancellationToken: cts.Token))["value"].GetArray().ToArray<int>());

            await client.PutValueAsync("s:x", "7.5", cts.Token);
            Assert.Equal(7.5, (await client.GetAsync("s:x", cancellationToken: cts.Token))["value"].GetDouble());

            var e = await Assert.ThrowsAsync<PvaRemoteException>(() => client.PutValueAsync("s:count", "1", cts.Token));
            Assert.Contains("read-only", e.Message);

            await using (var sub = client.Subscribe("s:count"))
            {
                var first = await sub.ReadAsync(cts.Token);
                var second = await sub.ReadAsync(cts.Token);
                Assert.True(second!.Value["value"].GetInt64() > first!.Value["value"].GetInt64());
            }

            var image = new NTNDArray(await client.GetAsync("s:img", cancellationToken: cts.Token));
            Assert.Equal([16, 8], image.Shape);
            Assert.Equal(ScalarType.UShort, image.ElementType);
            Assert.Equal(16 * 8, image.Image.Count);

            var type = PvType.Builder("epics:nt/NTURI:1.0").Add("query", PvType.Builder().Add("a", ScalarType.String).Add("b", ScalarType.Double).Build()).Build();
            var arg = new PvValue(type);
            arg["query.a"].Set("1.25");
            arg["query.b"].Set(2.0);
            var sum = await client.RpcAsync("s:add", arg, cts.Token);
            Assert.Equal(3.25, sum!["value"].GetDouble());
        }
        finally
        {
            Stop(process);
        }
    }

    [Fact]
    public async Task Serve_reads_pvs_from_a_json_file_and_a_text_file()
    {
        var dir = Directory.CreateTempSubdirectory("pvstream-serve-");
        try
        {
            var json = Path.Combine(dir.FullName, "pvs.json");
            await File.WriteAllTextAsync(json, """{"pvs":[{"name":"j:s","type":"string","value":"hi there"},{"name":"j:a","type":"float[]","value":[1.5,2]}]}""");
            var text = Path.Combine(dir.FullName, "pvs.txt");
            await File.WriteAllTextAsync(text, "# comment\n\nt:e=enum:A,B,C\nt:sine=sine:2,5@50\n");
            using var process = Tool.Start(IsolatedServer, "serve", "-f", json, "--file", text);
            try
            {
                var (tcp, udp) = await ReadPortsAsync(process);
                await using var client = new Epics.Pva.Client.PvaClient(PvaServerOptions.Isolated().CreateClientOptions(udp, tcp));
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                Assert.Equal("hi there", (await client.GetAsync("j:s", cancellationToken: cts.Token))["value"].GetString());
                Assert.Equal(new[] { 1.5f, 2f }, (await client.GetAsync("j:a", cancellationToken: cts.Token))["value"].GetArray().ToArray<float>());
                Assert.Equal(["A", "B", "C"], new NTEnum(await client.GetAsync("t:e", cancellationToken: cts.Token)).Choices);
                var sine = (await client.GetAsync("t:sine", cancellationToken: cts.Token))["value"].GetDouble();
                Assert.InRange(sine, -2, 2);
            }
            finally
            {
                Stop(process);
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Serve_with_a_bad_spec_exits_2_with_one_line()
    {
        var r = await Tool.RunAsync(IsolatedServer, "serve", "x=complex:1");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("unknown type 'complex'", Assert.Single(r.ErrorLines));
    }

    [Fact]
    public async Task Serve_with_nothing_to_serve_exits_2()
    {
        var r = await Tool.RunAsync(IsolatedServer, "serve");
        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.ErrorLines);
    }

    private static async Task<(int Tcp, int Udp)> ReadPortsAsync(Process process)
    {
        var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20));
        var m = PortsLine().Match(line ?? string.Empty);
        Assert.True(m.Success, $"unexpected first line: {line}; stderr: {(process.HasExited ? await process.StandardError.ReadToEndAsync() : "")}");
        return (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    private static void Stop(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(10)), "serve did not stop after kill");
    }

    [GeneratedRegex(@"^Serving \d+ PVs on TCP port (\d+), UDP port (\d+)$")]
    private static partial Regex PortsLine();
}
