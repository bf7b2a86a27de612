namespace Pvstream.Cli.Tests;

public class GetCommandTests
{
    [Fact]
    public async Task Get_prints_an_NTScalar_on_one_line_like_pvget()
    {
        await using var s = await TestServer.StartAsync(("t:ai", Pvs.Double(3.5)));
        var r = await s.RunAsync("get", "t:ai");
        Assert.True(r.ExitCode == 0, r.ToString());
        // Same text pvget printed for softIocPVA's conf:ai (pva-softIocPVA/ai/pvget.stdout.txt).
        Assert.Equal("t:ai <undefined>              3.5 \n", r.Stdout);
        Assert.Empty(r.Stderr);
    }

    [Fact]
    public async Task Get_of_several_pvs_prints_each_in_order()
    {
        await using var s = await TestServer.StartAsync(("t:a", Pvs.Double(1)), ("t:wf", Pvs.IntArray(1, 2, 3)), ("t:e", Pvs.Enum("Off", "On")));
        var r = await s.RunAsync("get", "t:a", "t:wf", "t:e");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(
            "t:a <undefined>              1 \n" +
            "t:wf <undefined>              [1,2,3]\n" +
            "t:e <undefined>              (0) Off\n",
            r.Stdout);
    }

    [Fact]
    public async Task Get_json_mode_prints_one_json_line()
    {
        await using var s = await TestServer.StartAsync(("t:ai", Pvs.Double(2.25)));
        var r = await s.RunAsync("get", "-M", "json", "t:ai");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("t:ai {value:2.25,alarm:{severity:0,status:0,message:\"\"},timeStamp:{secondsPastEpoch:0,nanoseconds:0,userTag:0}}\n", r.Stdout);
    }

    [Fact]
    public async Task Get_delta_mode_prints_like_pvxget()
    {
        await using var s = await TestServer.StartAsync(("t:ai", Pvs.Double(3.5)));
        var r = await s.RunAsync("get", "-M", "delta", "t:ai");
        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = r.Stdout.Split('\n');
        Assert.Equal("t:ai", lines[0]);
        Assert.Equal("    struct \"epics:nt/NTScalar:1.0\"", lines[1]);
        Assert.Equal("    value double = 3.5", lines[2]);
        Assert.Contains("    alarm.message string = \"\"", lines);
    }

    [Fact]
    public async Task Get_with_a_field_request_prints_only_those_fields()
    {
        await using var s = await TestServer.StartAsync(("t:img", Pvs.Image(8, 4)));
        var r = await s.RunAsync("get", "-r", "field(uniqueId)", "t:img");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("t:img structure \n    int uniqueId 7\n", r.Stdout.Replace("epics:nt/NTNDArray:1.0", "structure", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Get_of_an_image_summarises_the_value_array_unless_asked()
    {
        await using var s = await TestServer.StartAsync(("t:img", Pvs.Image(64, 64)));
        var summary = await s.RunAsync("get", "t:img");
        Assert.True(summary.ExitCode == 0, summary.ToString());
        Assert.Contains("ubyte[]  [0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,...]", summary.Stdout);
        Assert.Contains("int uniqueId 7", summary.Stdout);

        var full = await s.RunAsync("get", "--array-limit", "0", "t:img");
        Assert.True(full.ExitCode == 0, full.ToString());
        var array = full.Stdout.Split('\n').Single(l => l.Contains("ubyte[]", StringComparison.Ordinal));
        Assert.Equal(64 * 64, array.Split(',').Length);
        Assert.DoesNotContain("...", full.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_of_an_unknown_channel_times_out_with_one_line_and_exit_1()
    {
        await using var s = await TestServer.StartAsync(("t:ai", Pvs.Double(1)));
        var started = DateTime.UtcNow;
        var r = await s.RunAsync("get", "-w", "0.5", "no:such:pv");
        Assert.Equal(1, r.ExitCode);
        Assert.Empty(r.Stdout);
        var line = Assert.Single(r.ErrorLines);
        Assert.Contains("no:such:pv", line);
        Assert.Contains("not found", line);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task Get_with_a_malformed_request_is_bad_input_exit_2()
    {
        await using var s = await TestServer.StartAsync(("t:ai", Pvs.Double(1)));
        var r = await s.RunAsync("get", "-r", "field(value", "t:ai");
        Assert.Equal(2, r.ExitCode);
        Assert.Empty(r.Stdout);
        Assert.Contains("bad request", Assert.Single(r.ErrorLines));
    }

    [Fact]
    public async Task Get_with_a_request_the_server_refuses_is_exit_1_with_its_message()
    {
        await using var s = await TestServer.StartAsync(("t:ai", Pvs.Double(1)));
        var r = await s.RunAsync("get", "-r", "field(nonexistent)", "t:ai");
        Assert.Equal(1, r.ExitCode);
        Assert.Empty(r.Stdout);
        Assert.StartsWith("Error: t:ai:", Assert.Single(r.ErrorLines));
    }

    [Fact]
    public async Task One_missing_pv_among_several_still_prints_the_others()
    {
        await using var s = await TestServer.StartAsync(("t:ai", Pvs.Double(4)));
        var r = await s.RunAsync("get", "-w", "3", "t:ai", "no:such:pv");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("t:ai <undefined>              4 \n", r.Stdout);
        Assert.Single(r.ErrorLines);
    }
}
