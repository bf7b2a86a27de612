using System.Globalization;
using Epics.Pva.Data;
using Epics.Pva.Data.NT;
using Epics.Pva.Server;

namespace Epics.Pva.IntegrationTests.Peers;

/// <summary>
/// Our server and an EPICS IOC (pvAccessCPP's softIocPVA or PVXS's softIocPVX) on one host sharing the UDP search port,
/// as on any beamline host that runs an IOC beside pvstream. Real clients that search by unicast (127.0.0.1) must find
/// the PVs of both servers every time, whichever of them the kernel hands the unicast datagram to, with the servers
/// bound to all interfaces or to 127.0.0.1. "pvapy" is a pvaPy <c>PvaServer</c> process (pvAccessCPP underneath, as in
/// a pvapy consumer's status server), run when <c>PVSTREAM_PVAPY_PATH</c> holds pvaccess. Skipped when the peers are
/// not installed (see <see cref="PeerTools"/>).
/// </summary>
public class SharedSearchPortTests
{
    private const string Db = """
        record(ai, "ioc:ai") {
            field(VAL, "2.5")
        }
        """;

    public static TheoryData<string, string, string, bool> Layouts()
    {
        var data = new TheoryData<string, string, string, bool>();
        foreach (var ioc in new[] { "softIocPVA", "softIocPVX", "pvapy" })
        {
            foreach (var client in new[] { "pvget", "pvxget" })
            {
                foreach (var intf in new[] { "0.0.0.0", "127.0.0.1" })
                {
                    // Left out: a pvAccessCPP server bound to all interfaces never listens on loopback, and a PVXS client's
                    // own beacon listener (bound last to the search port) takes the unicast and fans it out tagged
                    // 127.0.0.1, which that server refuses. Without pvstream neither pvget nor pvxget find it by
                    // 127.0.0.1 at all; with it, pvget does (see docs/limits.md).
                    if (ioc is "softIocPVA" or "pvapy" && client == "pvxget" && intf == "0.0.0.0")
                    {
                        continue;
                    }

                    data.Add(ioc, client, intf, true);
                    data.Add(ioc, client, intf, false);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public async Task Both_servers_are_found_by_unicast_every_time(string iocName, string clientName, string intf, bool iocFirst)
    {
        var iocPath = iocName == "pvapy" ? Ioc.RequirePython() : PeerTools.Require(iocName);
        var clientPath = PeerTools.Require(clientName);
        var udp = PeerTools.FreePort();

        var value = NTScalar.Create(ScalarType.Double).Structure;
        value["value"].Set(4.25);
        var options = PvaServerOptions.Isolated() with { InterfaceAddresses = [intf], BroadcastPort = udp, ServerPort = 0 };

        PvaServer? ours = null;
        Ioc? ioc = null;
        try
        {
            if (iocFirst)
            {
                ioc = await Ioc.StartAsync(iocName == "pvapy", iocPath, intf, udp);
            }

            ours = new PvaServer(options);
            ours.AddPv("ours:pv", new SharedPv(value));
            await ours.StartAsync();

            if (!iocFirst)
            {
                ioc = await Ioc.StartAsync(iocName == "pvapy", iocPath, intf, udp);
            }

            var environment = PeerTools.PvaClientEnvironment(udp);
            for (var round = 0; round < 4; round++)
            {
                var (code, output) = await PeerTools.RunAsync(clientPath, environment, "-w", "3", "ours:pv", "ioc:ai");
                Assert.True(code == 0, $"round {round}: {clientName} exited {code}:\n{output}");
                Assert.Contains("4.25", output, StringComparison.Ordinal);
                Assert.Contains("2.5", output, StringComparison.Ordinal);
            }
        }
        finally
        {
            if (ours is not null)
            {
                await ours.DisposeAsync();
            }

            if (ioc is not null)
            {
                await ioc.DisposeAsync();
            }
        }
    }

    private sealed class Ioc(PeerProcess process, DirectoryInfo dir) : IAsyncDisposable
    {
        private const string PvapyServer = """
            import sys, pvaccess
            server = pvaccess.PvaServer('ioc:ai', pvaccess.PvObject({'value': pvaccess.DOUBLE}, {'value': 2.5}))
            print('serving', flush=True)
            sys.stdin.read()
            """;

        private static string PvapyPath => Environment.GetEnvironmentVariable("PVSTREAM_PVAPY_PATH") ?? string.Empty;

        public static string RequirePython()
        {
            var python = Environment.GetEnvironmentVariable("PVSTREAM_PVAPY_PYTHON") ?? "/usr/bin/python3";
            if (PvapyPath.Length == 0 || !File.Exists(python))
            {
                Assert.Skip("pvaPy not found (PVSTREAM_PVAPY_PATH, PVSTREAM_PVAPY_PYTHON)");
            }

            return python;
        }

        public static async Task<Ioc> StartAsync(bool pvapy, string path, string intf, int udp)
        {
            var dir = Directory.CreateTempSubdirectory("pvstream-shared-port-");
            var db = Path.Combine(dir.FullName, "test.db");
            await File.WriteAllTextAsync(db, Db);
            string Text(int port) => port.ToString(CultureInfo.InvariantCulture);
            var environment = new Dictionary<string, string>
            {
                ["EPICS_PVAS_INTF_ADDR_LIST"] = intf,
                ["EPICS_PVAS_SERVER_PORT"] = Text(PeerTools.FreePort()),
                ["EPICS_PVAS_BROADCAST_PORT"] = Text(udp),
                ["EPICS_PVA_BROADCAST_PORT"] = Text(udp),
                ["EPICS_PVAS_AUTO_BEACON_ADDR_LIST"] = "NO",
                ["EPICS_PVAS_BEACON_ADDR_LIST"] = "127.0.0.1",
                ["EPICS_PVA_AUTO_ADDR_LIST"] = "NO",
                ["EPICS_PVA_ADDR_LIST"] = "127.0.0.1",
                ["EPICS_CAS_INTF_ADDR_LIST"] = "127.0.0.1",
                ["EPICS_CA_SERVER_PORT"] = Text(PeerTools.FreePort()),
                ["EPICS_CA_REPEATER_PORT"] = Text(PeerTools.FreePort()),
                ["EPICS_CA_AUTO_ADDR_LIST"] = "NO",
                ["EPICS_CA_ADDR_LIST"] = "127.0.0.1",
                ["PATH"] = "/usr/bin:/bin",
            };
            if (pvapy)
            {
                environment["PYTHONPATH"] = PvapyPath;
            }

            var process = pvapy ? PeerProcess.Start(path, environment, "-u", "-c", PvapyServer) : PeerProcess.Start(path, environment, "-S", "-d", db);
            try
            {
                await process.WaitForLineAsync(
                    l => l.Contains(pvapy ? "serving" : "iocRun: All initialization complete", StringComparison.Ordinal), PeerTools.Timeout);
            }
            catch
            {
                await process.DisposeAsync();
                dir.Delete(recursive: true);
                throw;
            }

            return new Ioc(process, dir);
        }

        public async ValueTask DisposeAsync()
        {
            await process.DisposeAsync();
            dir.Delete(recursive: true);
        }
    }
}
