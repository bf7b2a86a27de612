using System.Globalization;
using System.Text.RegularExpressions;

namespace Pvstream.Cli.Tests;

/// <summary>pvapy-style abbreviated command lines against the real pvstream process: they run, or fail in one line with exit 2.</summary>
public partial class OptionAbbreviationsProcessTests
{
    // Servers on loopback, ephemeral ports, no beacons; the mirror's client searches nowhere.
    private static readonly Dictionary<string, string> Isolated = new()
    {
        ["EPICS_PVAS_INTF_ADDR_LIST"] = "127.0.0.1",
        ["EPICS_PVAS_SERVER_PORT"] = "0",
        ["EPICS_PVAS_BROADCAST_PORT"] = "0",
        ["EPICS_PVAS_AUTO_BEACON_ADDR_LIST"] = "NO",
        ["EPICS_PVA_AUTO_ADDR_LIST"] = "NO",
        ["EPICS_PVA_ADDR_LIST"] = "",
    };

    [Fact]
    public async Task Ad_sim_server_runs_and_publishes_with_abbreviated_options()
    {
        var r = await Tool.RunAsync(Isolated, TimeSpan.FromSeconds(60),
            "ad-sim-server", "--frame-r", "5", "--runt", "1", "--start", "0", "--shut", "0", "--disable", "-nx", "8", "-ny", "8", "--chan=-sim:image");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("Generated frame shape: (8, 8)", r.Stdout);
        var m = PublishedLine().Match(r.Stdout);
        Assert.True(m.Success, r.ToString());
        Assert.True(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) > 0, r.ToString());
        // 5 fps, not the default 20: --frame-r reached --frame-rate.
        Assert.InRange(double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), 1.0, 8.0);
    }

    [Fact]
    public async Task Mirror_server_runs_with_abbreviated_options_and_equals_values()
    {
        var r = await Tool.RunAsync(Isolated, TimeSpan.FromSeconds(60), "mirror-server", "--chan=(m:x,s:x,pva)", "--runt", "0.3", "--rep=0.1");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("Adding mirror channel m:x using source s:x", r.Stdout);
    }

    [Theory]
    [InlineData("ad-sim-server", "--n", "ambiguous option: --n could match --n-x-pixels, --n-y-pixels, --n-frames, --notify-pv, --notify-pv-value")]
    [InlineData("ad-sim-server", "-s", "ambiguous option: -s could match -std, -shd")]
    [InlineData("mirror-server", "--r", "ambiguous option: --r could match --runtime, --report-period")]
    public async Task Ambiguous_prefix_exits_2_listing_the_candidates(string command, string prefix, string message)
    {
        var r = await Tool.RunAsync(Isolated, command, prefix, "1");
        Assert.Equal(2, r.ExitCode);
        Assert.Empty(r.Stdout);
        Assert.Equal($"Error: {message} (see --help)", Assert.Single(r.ErrorLines));
    }

    [Theory]
    [InlineData("ad-sim-server", "-v")]
    [InlineData("ad-sim-server", "--vers")]
    [InlineData("mirror-server", "--version")]
    public async Task Version_flag_prints_the_version_and_exits_0_before_anything_runs(string command, string flag)
    {
        var r = await Tool.RunAsync(Isolated, command, flag);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Matches(@"^pvstream \d+\.\d+\.\d+", r.Stdout.Trim());
        Assert.Empty(r.ErrorLines);
    }

    [Fact]
    public async Task Option_where_a_value_belongs_exits_2_as_in_argparse()
    {
        var r = await Tool.RunAsync(Isolated, "ad-sim-server", "-cn", "--frame", "5");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("Error: argument -cn/--channel-name: expected one argument (see --help)", Assert.Single(r.ErrorLines));
    }

    [Fact]
    public async Task Unknown_option_is_still_reported_by_the_parser()
    {
        var r = await Tool.RunAsync(Isolated, "mirror-server", "--frobnicate", "1");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("'--frobnicate'", Assert.Single(r.ErrorLines));
    }

    [GeneratedRegex(@"^Published frames: (\d+) @ ([\d.]+) fps", RegexOptions.Multiline)]
    private static partial Regex PublishedLine();
}
