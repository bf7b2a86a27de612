using System.Globalization;
using Epics.Pva.Client;

namespace Epics.Pva.IntegrationTests.Peers;

/// <summary>
/// Our client against PVXS's <c>softIocPVX</c> (QSRV 2) on loopback-only ports. Skipped when softIocPVX is not
/// installed (see <see cref="PeerTools"/>).
/// </summary>
public class SoftIocPvxTests
{
    private const string Db = """
        record(ai, "pvx:ai") {
            field(VAL, "3.5")
            field(EGU, "mm")
            field(PREC, "3")
        }
        record(longout, "pvx:lo") {
            field(VAL, "5")
            field(DRVH, "100")
            field(DRVL, "0")
        }
        record(mbbi, "pvx:mbbi") {
            field(ZRST, "Zero")
            field(ONST, "One")
            field(VAL, "1")
            field(PINI, "YES")
        }
        record(calc, "pvx:count") {
            field(SCAN, ".1 second")
            field(CALC, "A+1")
            field(INPA, "pvx:count NPP")
        }
        record(waveform, "pvx:big") {
            field(FTVL, "UCHAR")
            field(NELM, "16777216")
        }
        """;

    [Fact]
    public async Task Get_reads_an_ai_record_as_NTScalar()
    {
        await using var ioc = await IocAsync();
        var value = await ioc.Client.GetAsync("pvx:ai", cancellationToken: Deadline());
        Assert.Equal("epics:nt/NTScalar:1.0", value.Type.Id);
        Assert.Equal(3.5, value["value"].GetDouble());
        Assert.Equal("mm", value["display.units"].GetString());
    }

    [Fact]
    public async Task Get_reads_an_mbbi_record_as_NTEnum()
    {
        await using var ioc = await IocAsync();
        var value = await ioc.Client.GetAsync("pvx:mbbi", cancellationToken: Deadline());
        Assert.Equal(1, value["value.index"].GetInt32());
        Assert.Equal(["Zero", "One"], value["value.choices"].GetArray().ToArray<string>().Take(2));
    }

    [Fact]
    public async Task Put_writes_and_an_out_of_range_put_is_clamped_by_the_record()
    {
        await using var ioc = await IocAsync();
        await ioc.Client.PutValueAsync("pvx:lo", "42", Deadline());
        Assert.Equal(42, (await ioc.Client.GetAsync("pvx:lo", cancellationToken: Deadline()))["value"].GetInt32());
        await ioc.Client.PutValueAsync("pvx:lo", "1000", Deadline());
        Assert.Equal(100, (await ioc.Client.GetAsync("pvx:lo", cancellationToken: Deadline()))["value"].GetInt32());
    }

    [Fact]
    public async Task Monitor_sees_a_scanned_record_count_up()
    {
        await using var ioc = await IocAsync();
        await using var sub = ioc.Client.Subscribe("pvx:count", "record[queueSize=4,pipeline=true]field()");
        var values = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            using var update = await sub.ReadAsync(Deadline());
            Assert.NotNull(update);
            values.Add(update.Value["value"].GetDouble());
        }

        Assert.Equal(values.Order(), values);
        Assert.True(values[^1] > values[0], string.Join(",", values));
    }

    [Fact]
    public async Task A_16_MiB_array_round_trips()
    {
        await using var ioc = await IocAsync();
        var data = new byte[16 * 1024 * 1024];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (byte)(i * 7);
        }

        await ioc.Client.PutAsync("pvx:big", v =>
        {
            v["value"].Set(data);
        }, "field(value)", Deadline());
        var value = await ioc.Client.GetAsync("pvx:big", "field(value)", Deadline());
        var got = value["value"].GetArray();
        Assert.Equal(data.Length, got.Count);
        Assert.True(got.Bytes.SequenceEqual(data));
    }

    private static CancellationToken Deadline() => new CancellationTokenSource(PeerTools.Timeout).Token;

    private static async Task<Ioc> IocAsync()
    {
        var path = PeerTools.Require("softIocPVX");
        var dir = Directory.CreateTempSubdirectory("pvstream-softIocPVX-");
        var db = Path.Combine(dir.FullName, "test.db");
        await File.WriteAllTextAsync(db, Db);
        var udp = PeerTools.FreePort();
        var tcp = PeerTools.FreePort();
        var ca = PeerTools.FreePort();
        string Text(int port) => port.ToString(CultureInfo.InvariantCulture);
        var environment = new Dictionary<string, string>
        {
            ["EPICS_PVAS_INTF_ADDR_LIST"] = "127.0.0.1",
            ["EPICS_PVAS_SERVER_PORT"] = Text(tcp),
            ["EPICS_PVAS_BROADCAST_PORT"] = Text(udp),
            ["EPICS_PVAS_AUTO_BEACON_ADDR_LIST"] = "NO",
            ["EPICS_PVAS_BEACON_ADDR_LIST"] = "127.0.0.1",
            ["EPICS_PVA_AUTO_ADDR_LIST"] = "NO",
            ["EPICS_PVA_ADDR_LIST"] = "127.0.0.1",
            ["EPICS_CAS_INTF_ADDR_LIST"] = "127.0.0.1",
            ["EPICS_CA_SERVER_PORT"] = Text(ca),
            ["EPICS_CA_REPEATER_PORT"] = Text(PeerTools.FreePort()),
            ["EPICS_CA_AUTO_ADDR_LIST"] = "NO",
            ["EPICS_CA_ADDR_LIST"] = "127.0.0.1",
            ["EPICS_CA_MAX_ARRAY_BYTES"] = "20000000",
            // Without the EPICS bin directory on PATH the IOC's CA client cannot spawn a caRepeater that would outlive the test.
            ["PATH"] = "/usr/bin:/bin",
        };
        var process = PeerProcess.Start(path, environment, "-S", "-d", db);
        try
        {
            await process.WaitForLineAsync(l => l.Contains("iocRun: All initialization complete", StringComparison.Ordinal), PeerTools.Timeout);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }

        var client = new PvaClient(new PvaClientOptions
        {
            AddressList = [$"127.0.0.1:{udp}"],
            AutoAddressList = false,
            BroadcastPort = udp,
            ServerPort = tcp,
        });
        return new Ioc(process, client, dir);
    }

    private sealed record Ioc(PeerProcess Process, PvaClient Client, DirectoryInfo Dir) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Client.DisposeAsync();
            await Process.DisposeAsync();
            Dir.Delete(recursive: true);
        }
    }
}
