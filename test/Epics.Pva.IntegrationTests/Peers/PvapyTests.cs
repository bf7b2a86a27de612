using System.Globalization;
using System.Text.Json;
using Epics.Pva.Client;
using Epics.Pva.Data;
using Epics.Pva.Data.NT;
using Epics.Pva.IntegrationTests.ClientServer;
using Epics.Pva.Server;

namespace Epics.Pva.IntegrationTests.Peers;

/// <summary>
/// pvaPy (the <c>pvaccess</c> Python module, pvAccessCPP/pvDatabaseCPP underneath) against our server and our client
/// against pvaPy's servers. <c>PVSTREAM_PVAPY_PATH</c> is the PYTHONPATH holding <c>pvaccess.so</c> (and the pvaPy
/// source top for <c>pvapy.cli.adSimServer</c>); <c>PVSTREAM_PVAPY_PYTHON</c> optionally names the interpreter it was
/// built for. Each test skips when <c>import pvaccess</c> fails.
/// </summary>
public class PvapyTests
{
    private static readonly Lazy<Task<Python?>> Interpreter = new(FindPythonAsync);

    [Fact]
    public async Task Pvapy_client_gets_puts_and_monitors_our_server_with_pipelining()
    {
        var python = await RequireAsync();
        var value = new PvValue(NTScalar.TypeFor(ScalarType.Double));
        value["value"].Set(1.5);
        var dbl = new SharedPv(value);
        var counter = new SharedPv(Loopback.Counter(0));
        await using var lo = await Loopback.StartAsync(s =>
        {
            s.AddPv("py:double", dbl);
            s.AddPv("py:counter", counter);
        });
        const string Script = """
            import json, time, pvaccess as pva
            out = {}
            c = pva.Channel('py:double')
            out['get'] = c.get('field()')['value']
            c.put(7.25)
            out['after_put'] = c.get('field()')['value']
            got = []
            m = pva.Channel('py:counter')
            m.monitor(lambda pv: got.append(pv['value']), 'record[queueSize=4,pipeline=true]field()')
            deadline = time.time() + 15
            while not got and time.time() < deadline: time.sleep(0.01)
            print('monitoring', flush=True)
            while (not got or got[-1] < 30) and time.time() < deadline: time.sleep(0.01)
            m.stopMonitor()
            out['monitor'] = got
            print('RESULT ' + json.dumps(out), flush=True)
            """;
        await using var process = python.Run(Script, ClientEnvironment(lo.Server));
        await process.WaitForLineAsync(l => l == "monitoring", PeerTools.Timeout);
        await PostCountsAsync(counter, 30);
        var result = await ResultAsync(process);

        Assert.Equal(1.5, result.GetProperty("get").GetDouble());
        Assert.Equal(7.25, result.GetProperty("after_put").GetDouble());
        Assert.Equal(7.25, dbl.Snapshot()["value"].GetDouble());
        var monitor = Ints(result.GetProperty("monitor"));
        Assert.Equal(30, monitor[^1]);
        Assert.Equal(Enumerable.Range(monitor[0], monitor.Count), monitor);
    }

    [Fact]
    public async Task Pvapy_rpc_client_calls_our_handler()
    {
        var python = await RequireAsync();
        var pv = new SharedPv(Loopback.Counter())
        {
            RpcHandler = (arg, _) =>
            {
                // pvapy sends whatever structure it is given: a plain {lhs, rhs} or an NTURI with string query fields.
                var prefix = arg.Type.IndexOf("query") >= 0 ? "query." : string.Empty;
                var sum = Number(arg[prefix + "lhs"]) + Number(arg[prefix + "rhs"]);
                var result = new PvValue(NTScalar.TypeFor(ScalarType.Double));
                result["value"].Set(sum);
                return ValueTask.FromResult<PvValue?>(result);
            },
        };
        await using var lo = await Loopback.StartAsync(s => s.AddPv("py:add", pv));
        const string Script = """
            import json, pvaccess as pva
            r = pva.RpcClient('py:add')
            plain = r.invoke(pva.PvObject({'lhs': pva.DOUBLE, 'rhs': pva.DOUBLE}, {'lhs': 1.25, 'rhs': 2.0}))
            uri = pva.PvObject({'scheme': pva.STRING, 'path': pva.STRING, 'query': {'lhs': pva.STRING, 'rhs': pva.STRING}},
                               {'scheme': 'pva', 'path': 'py:add', 'query': {'lhs': '1', 'rhs': '2.5'}})
            nturi = r.invoke(uri)
            print('RESULT ' + json.dumps({'plain': plain['value'], 'nturi': nturi['value']}), flush=True)
            """;
        await using var process = python.Run(Script, ClientEnvironment(lo.Server));
        var result = await ResultAsync(process);
        Assert.Equal(3.25, result.GetProperty("plain").GetDouble());
        Assert.Equal(3.5, result.GetProperty("nturi").GetDouble());
    }

    [Fact]
    public async Task Two_pvapy_clients_alternate_frames_through_the_pydistributor()
    {
        var python = await RequireAsync();
        var type = PvType.Builder("frame_t").Add("uniqueId", ScalarType.Int).Add("value", ScalarType.Double).Build();
        var pv = new SharedPv(new PvValue(type));
        await using var lo = await Loopback.StartAsync(s => s.AddPv("py:frames", pv));
        const string Script = """
            import json, time, pvaccess as pva
            req = 'record[queueSize=10]field(_[pydistributor=updates:1])'
            got = [[], []]
            chans = [pva.Channel('py:frames'), pva.Channel('py:frames')]
            for i, c in enumerate(chans):
                c.monitor(lambda pv, i=i: got[i].append(pv['uniqueId']), req)
                deadline = time.time() + 15
                while not got[i] and time.time() < deadline: time.sleep(0.01)
            print('ready', flush=True)
            deadline = time.time() + 15
            while len(set(got[0][1:] + got[1][1:])) < 20 and time.time() < deadline: time.sleep(0.01)
            time.sleep(0.3)
            for c in chans: c.stopMonitor()
            print('RESULT ' + json.dumps({'a': got[0], 'b': got[1]}), flush=True)
            """;
        await using var process = python.Run(Script, ClientEnvironment(lo.Server));
        await process.WaitForLineAsync(l => l == "ready", PeerTools.Timeout);
        var frame = new PvValue(type);
        for (var id = 1; id <= 20; id++)
        {
            frame.Changed.Clear();
            frame["uniqueId"].Set(id);
            pv.Post(frame);
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        var result = await ResultAsync(process);
        // The first element of each is the value at connect time, which every client gets.
        var a = Ints(result.GetProperty("a")).Skip(1).ToList();
        var b = Ints(result.GetProperty("b")).Skip(1).ToList();
        Assert.Equal(Enumerable.Range(1, 20), a.Concat(b).Order());
        Assert.Equal(10, a.Count);
        Assert.All(a.Zip(a.Skip(1)), p => Assert.Equal(2, p.Second - p.First));
        Assert.All(b.Zip(b.Skip(1)), p => Assert.Equal(2, p.Second - p.First));
    }

    [Fact]
    public async Task Our_client_monitors_the_pvapy_ad_sim_server_in_order()
    {
        await using var sim = await AdSimAsync();
        var dims = await sim.Client.GetAsync("py:image", "field(uniqueId,dimension)", Deadline());
        Assert.Equal([16, 16], dims["dimension"].Elements.Select(d => d!["size"].GetInt32()));
        Assert.True(dims["uniqueId"].GetInt32() >= 0);

        await using var sub = sim.Client.Subscribe("py:image");
        var ids = new List<int>();
        for (var i = 0; i < 20; i++)
        {
            using var update = await sub.ReadAsync(Deadline());
            Assert.NotNull(update);
            ids.Add(update.Value["uniqueId"].GetInt32());
            Assert.Equal(16 * 16, update.Value["value"].Content!.Root.GetArray().Count);
        }

        Assert.All(ids.Zip(ids.Skip(1)), p => Assert.True(p.Second > p.First, string.Join(",", ids)));
    }

    [Fact]
    public async Task Our_client_keeps_a_pipelined_monitor_of_pvDatabase_flowing_without_empty_updates()
    {
        await using var sim = await AdSimAsync();
        await using var sub = sim.Client.Subscribe("py:image", "record[queueSize=4,pipeline=true]field()");
        var ids = new List<int>();
        for (var i = 0; i < 40; i++)
        {
            using var update = await sub.ReadAsync(Deadline());
            Assert.NotNull(update);
            // pvDatabase re-sends frames under pipeline=true (as pvmonitor and pvxmonitor show too), so ids may repeat;
            // what must not reach the application is an update that changed nothing.
            Assert.False(update.Changed.IsEmpty);
            ids.Add(update.Value["uniqueId"].GetInt32());
        }

        Assert.True(ids[^1] > ids[0], string.Join(",", ids));
        Assert.Equal(40, sub.Statistics.Delivered);
    }

    [Fact]
    public async Task Our_client_calls_a_pvapy_rpc_server()
    {
        var python = await RequireAsync();
        var (environment, client) = ServerEnvironment(python);
        const string Script = """
            import time, pvaccess as pva
            def add(x):
                q = x.get()
                q = q.get('query', q)
                return pva.PvObject({'value': pva.DOUBLE}, {'value': float(q['lhs']) + float(q['rhs'])})
            srv = pva.RpcServer()
            srv.registerService('py:add', add)
            srv.startListener()
            print('ready', flush=True)
            time.sleep(60)
            """;
        await using var process = python.Run(Script, environment);
        await process.WaitForLineAsync(l => l == "ready", PeerTools.Timeout);
        await using var _ = client;
        var argType = PvType.Builder("epics:nt/NTURI:1.0")
            .Add("scheme", ScalarType.String)
            .Add("path", ScalarType.String)
            .AddStructure("query", string.Empty, q => q.Add("lhs", ScalarType.String).Add("rhs", ScalarType.String))
            .Build();
        var arg = new PvValue(argType);
        arg["scheme"].Set("pva");
        arg["path"].Set("py:add");
        arg["query.lhs"].Set("1.25");
        arg["query.rhs"].Set("2");
        var result = await client.RpcAsync("py:add", arg, Deadline());
        Assert.Equal(3.25, result!["value"].GetDouble());
    }

    private static CancellationToken Deadline() => new CancellationTokenSource(PeerTools.Timeout).Token;

    private static double Number(PvField field) => double.Parse(field.GetString(), CultureInfo.InvariantCulture);

    private static List<int> Ints(JsonElement e) => [.. e.EnumerateArray().Select(x => x.GetInt32())];

    private static async Task PostCountsAsync(SharedPv pv, int last)
    {
        var update = Loopback.Counter();
        for (var i = 1; i <= last; i++)
        {
            update.Changed.Clear();
            update["value"].Set(i);
            pv.Post(update);
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    private static async Task<JsonElement> ResultAsync(PeerProcess process)
    {
        var line = await process.WaitForLineAsync(l => l.StartsWith("RESULT ", StringComparison.Ordinal), PeerTools.Timeout);
        return JsonDocument.Parse(line["RESULT ".Length..]).RootElement.Clone();
    }

    private static Dictionary<string, string> ClientEnvironment(PvaServer server)
    {
        var environment = PeerTools.PvaClientEnvironment(server.UdpPort);
        environment["PYTHONPATH"] = PythonPath();
        return environment;
    }

    // A pvAccessCPP server on fixed free loopback ports, and our client pointed at it.
    private static (Dictionary<string, string> Environment, PvaClient Client) ServerEnvironment(Python python)
    {
        _ = python;
        var udp = PeerTools.FreePort();
        var tcp = PeerTools.FreePort();
        string Text(int port) => port.ToString(CultureInfo.InvariantCulture);
        var environment = new Dictionary<string, string>
        {
            ["PYTHONPATH"] = PythonPath(),
            ["EPICS_PVAS_INTF_ADDR_LIST"] = "127.0.0.1",
            ["EPICS_PVAS_SERVER_PORT"] = Text(tcp),
            ["EPICS_PVA_SERVER_PORT"] = Text(tcp),
            ["EPICS_PVAS_BROADCAST_PORT"] = Text(udp),
            ["EPICS_PVA_BROADCAST_PORT"] = Text(udp),
            ["EPICS_PVAS_AUTO_BEACON_ADDR_LIST"] = "NO",
            ["EPICS_PVAS_BEACON_ADDR_LIST"] = "127.0.0.1",
            ["EPICS_PVA_AUTO_ADDR_LIST"] = "NO",
            ["EPICS_PVA_ADDR_LIST"] = "127.0.0.1",
            ["EPICS_CA_AUTO_ADDR_LIST"] = "NO",
            ["EPICS_CA_ADDR_LIST"] = "127.0.0.1",
            ["EPICS_CA_SERVER_PORT"] = Text(PeerTools.FreePort()),
            ["EPICS_CA_REPEATER_PORT"] = Text(PeerTools.FreePort()),
        };
        var client = new PvaClient(new PvaClientOptions
        {
            AddressList = [$"127.0.0.1:{udp}"],
            AutoAddressList = false,
            BroadcastPort = udp,
            ServerPort = tcp,
        });
        return (environment, client);
    }

    private static async Task<AdSim> AdSimAsync()
    {
        var python = await RequireAsync();
        if (!python.HasAdSim)
        {
            Assert.Skip("pvapy.cli.adSimServer (and numpy) cannot be imported with PVSTREAM_PVAPY_PATH");
        }

        var (environment, client) = ServerEnvironment(python);
        var process = python.Start(environment, "-m", "pvapy.cli.adSimServer", "-cn", "py:image", "-nx", "16", "-ny", "16",
            "-fps", "100", "-rt", "60", "-std", "0", "-rp", "100000", "-dc");
        return new AdSim(process, client);
    }

    private static async Task<Python> RequireAsync()
    {
        var python = await Interpreter.Value;
        if (python is null)
        {
            Assert.Skip("no python3 can import pvaccess with PYTHONPATH=$PVSTREAM_PVAPY_PATH");
        }

        return python;
    }

    private static string PythonPath() => Environment.GetEnvironmentVariable("PVSTREAM_PVAPY_PATH") ?? string.Empty;

    // The interpreter named by PVSTREAM_PVAPY_PYTHON, else the python3 on PATH, else /usr/bin/python3: the first that
    // can import pvaccess, preferring one that can also run the area detector simulator.
    private static async Task<Python?> FindPythonAsync()
    {
        if (PythonPath().Length == 0)
        {
            return null;
        }

        var candidates = new[] { Environment.GetEnvironmentVariable("PVSTREAM_PVAPY_PYTHON"), PeerTools.Find("python3"), "/usr/bin/python3" }
            .Where(p => !string.IsNullOrEmpty(p) && File.Exists(p)).Distinct().Cast<string>();
        Python? fallback = null;
        foreach (var path in candidates)
        {
            var environment = new Dictionary<string, string> { ["PYTHONPATH"] = PythonPath() };
            var (code, output) = await PeerTools.RunAsync(path, environment, "-c",
                "import pvaccess\ntry:\n    import pvapy.cli.adSimServer\n    print('adsim')\nexcept Exception:\n    print('noadsim')");
            if (code != 0)
            {
                continue;
            }

            var python = new Python(path, output.Contains("adsim", StringComparison.Ordinal) && !output.Contains("noadsim", StringComparison.Ordinal));
            if (python.HasAdSim)
            {
                return python;
            }

            fallback ??= python;
        }

        return fallback;
    }

    private sealed record Python(string Path, bool HasAdSim)
    {
        public PeerProcess Start(IReadOnlyDictionary<string, string> environment, params string[] arguments) =>
            PeerProcess.Start(Path, environment, ["-u", .. arguments]);

        public PeerProcess Run(string script, IReadOnlyDictionary<string, string> environment) => Start(environment, "-c", script);
    }

    private sealed record AdSim(PeerProcess Process, PvaClient Client) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Client.DisposeAsync();
            await Process.DisposeAsync();
        }
    }
}
