using System.Globalization;
using System.Text.RegularExpressions;
using Epics.Pva.Data;
using Epics.Pva.Data.NT;
using Epics.Pva.Server;

namespace Epics.Pva.IntegrationTests.Peers;

/// <summary>
/// EPICS 7 command-line clients (pvAccessCPP's pv* and PVXS's pvx*) against an isolated in-process server. Skipped when
/// the tools are not installed (see <see cref="PeerTools"/>).
/// </summary>
public class PeerClientToolsTests
{
    [Theory]
    [InlineData("pvget")]
    [InlineData("pvxget")]
    public async Task Get_prints_the_NTScalar_value(string tool)
    {
        var path = PeerTools.Require(tool);
        await using var host = await HostAsync();
        var (code, output) = await PeerTools.RunAsync(path, host.Environment, "peer:double");
        Assert.True(code == 0, output);
        // pvget prints "name time value" on one line, pvxget one line per field.
        Assert.Matches(tool == "pvget" ? @"peer:double\s+\S+ \S+\s+1\.5\b" : @"value double = 1\.5\b", output);
    }

    [Theory]
    [InlineData("pvget")]
    [InlineData("pvxget")]
    public async Task Get_with_a_field_request_prints_the_selected_field(string tool)
    {
        var path = PeerTools.Require(tool);
        await using var host = await HostAsync();
        var (code, output) = await PeerTools.RunAsync(path, host.Environment, "-r", "field(value)", "peer:double");
        Assert.True(code == 0, output);
        Assert.Contains("1.5", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pvget")]
    [InlineData("pvxget")]
    public async Task Get_of_an_image_reports_its_dimensions(string tool)
    {
        var path = PeerTools.Require(tool);
        await using var host = await HostAsync();
        var (code, output) = await PeerTools.RunAsync(path, host.Environment, "-r", "field(dimension,uncompressedSize)", "peer:image");
        Assert.True(code == 0, output);
        if (tool == "pvget")
        {
            Assert.Matches(@"int size 64\b", output);
            Assert.Matches(@"long uncompressedSize 4096\b", output);
        }
        else
        {
            Assert.Matches(@"dimension\[1\]\.size int32_t = 64\b", output);
            Assert.Matches(@"uncompressedSize int64_t = 4096\b", output);
        }
    }

    [Theory]
    [InlineData("pvput")]
    [InlineData("pvxput")]
    public async Task Put_writes_the_value(string tool)
    {
        var path = PeerTools.Require(tool);
        await using var host = await HostAsync();
        var (code, output) = await PeerTools.RunAsync(path, host.Environment, "peer:double", "7.25");
        Assert.True(code == 0, output);
        Assert.Equal(7.25, host.Double.Snapshot()["value"].GetDouble());
    }

    [Theory]
    [InlineData("pvinfo")]
    [InlineData("pvxinfo")]
    public async Task Info_prints_the_type(string tool)
    {
        var path = PeerTools.Require(tool);
        await using var host = await HostAsync();
        var (code, output) = await PeerTools.RunAsync(path, host.Environment, "peer:double");
        Assert.True(code == 0, output);
        Assert.Contains("epics:nt/NTScalar:1.0", output, StringComparison.Ordinal);
        Assert.Contains("double value", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pvmonitor", "")]
    [InlineData("pvmonitor", "record[queueSize=100]field()")]
    [InlineData("pvmonitor", "record[queueSize=4,pipeline=true]field()")]
    [InlineData("pvxmonitor", "")]
    [InlineData("pvxmonitor", "record[queueSize=100]field()")]
    [InlineData("pvxmonitor", "record[queueSize=4,pipeline=true]field()")]
    public async Task Monitor_prints_every_posted_value(string tool, string request)
    {
        var path = PeerTools.Require(tool);
        await using var host = await HostAsync();
        string[] args = request.Length > 0 ? ["-r", request, "peer:counter"] : ["peer:counter"];
        await using var monitor = PeerProcess.Start(path, host.Environment, args);
        // pvmonitor prints "name time value " per update, pvxmonitor a "value int32_t = N" line.
        var valuePattern = tool == "pvmonitor" ? new Regex(@"^peer:counter\s.*\s(-?\d+)\s*$") : new Regex(@"^\s*value int32_t = (-?\d+)\s*$");
        int? ValueOf(string line) => valuePattern.Match(line) is { Success: true } m ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;
        await monitor.WaitForLineAsync(l => ValueOf(l) == 0, PeerTools.Timeout);

        const int n = 30;
        var update = NTScalar.Create(ScalarType.Int).Structure;
        for (var i = 1; i <= n; i++)
        {
            update.Changed.Clear();
            update["value"].Set(i);
            host.Counter.Post(update);
            // Slower than the tools print, so neither side squashes: each value must appear.
            await Task.Delay(20);
        }

        await monitor.WaitForLineAsync(l => ValueOf(l) == n, PeerTools.Timeout);
        var seen = monitor.Output.Split('\n').Select(ValueOf).OfType<int>().ToList();
        Assert.Equal(Enumerable.Range(0, n + 1), seen);
    }

    private static async Task<Host> HostAsync()
    {
        var server = new PvaServer(PvaServerOptions.Isolated());
        var dbl = NTScalar.Create(ScalarType.Double);
        dbl.Value = 1.5;
        dbl.TimeStamp = PvTimeStamp.Now();
        var dblPv = new SharedPv(dbl.Structure);
        server.AddPv("peer:double", dblPv);

        var counterPv = new SharedPv(NTScalar.Create(ScalarType.Int).Structure);
        server.AddPv("peer:counter", counterPv);

        var image = NTNDArray.Create();
        image.SetImage(PvArray.Wrap(new byte[64 * 64]));
        image.SetDimensions(64, 64);
        server.AddPv("peer:image", new SharedPv(image.Structure));

        await server.StartAsync();
        return new Host(server, dblPv, counterPv, PeerTools.PvaClientEnvironment(server.UdpPort));
    }

    private sealed record Host(PvaServer Server, SharedPv Double, SharedPv Counter, Dictionary<string, string> Environment) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Server.DisposeAsync();
    }
}
