namespace Pvstream.Cli.Tests;

public class PutCommandTests
{
    [Fact]
    public async Task Put_prints_old_and_new_like_pvput_and_changes_the_pv()
    {
        var pv = Pvs.Double(3.5);
        await using var s = await TestServer.StartAsync(("t:ai", pv));
        var r = await s.RunAsync("put", "t:ai", "4.25");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("Old : <undefined>              3.5 \nNew : <undefined>              4.25 \n", r.Stdout);
        Assert.Equal(4.25, pv.Snapshot()["value"].GetDouble());
    }

    [Fact]
    public async Task Put_json_sets_the_named_fields_of_a_structure()
    {
        var pv = Pvs.Control();
        await using var s = await TestServer.StartAsync(("t:control", pv));
        var r = await s.RunAsync("put", "t:control", "{\"command\":\"configure\",\"args\":\"{\\\"x\\\":100}\"}");
        Assert.True(r.ExitCode == 0, r.ToString());
        var now = pv.Snapshot();
        Assert.Equal("configure", now["command"].GetString());
        Assert.Equal("{\"x\":100}", now["args"].GetString());
        Assert.StartsWith("Old : structure \n", r.Stdout);
        Assert.Contains("New : structure \n", r.Stdout);
        Assert.Contains("    string command configure\n", r.Stdout);
    }

    [Fact]
    public async Task Put_field_equals_value_pairs()
    {
        var pv = Pvs.Control();
        await using var s = await TestServer.StartAsync(("t:control", pv));
        var r = await s.RunAsync("put", "-q", "t:control", "command=stop", "args=now");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Empty(r.Stdout);
        Assert.Equal("stop", pv.Snapshot()["command"].GetString());
        Assert.Equal("now", pv.Snapshot()["args"].GetString());
    }

    [Fact]
    public async Task Put_arrays_as_brackets_or_words()
    {
        var pv = Pvs.IntArray(1);
        await using var s = await TestServer.StartAsync(("t:wf", pv));
        var bracket = await s.RunAsync("put", "t:wf", "[4,5,6]");
        Assert.True(bracket.ExitCode == 0, bracket.ToString());
        Assert.Equal([4, 5, 6], pv.Snapshot()["value"].GetArray().ToArray<int>());
        var words = await s.RunAsync("put", "t:wf", "7", "8");
        Assert.True(words.ExitCode == 0, words.ToString());
        Assert.Equal([7, 8], pv.Snapshot()["value"].GetArray().ToArray<int>());
    }

    [Fact]
    public async Task Put_enum_by_choice_name()
    {
        var pv = Pvs.Enum("Off", "On");
        await using var s = await TestServer.StartAsync(("t:e", pv));
        var r = await s.RunAsync("put", "t:e", "On");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.EndsWith("New : <undefined>              (1) On\n", r.Stdout);
        Assert.Equal(1, pv.Snapshot()["value.index"].GetInt32());
    }

    [Fact]
    public async Task Put_malformed_json_is_bad_input_and_writes_nothing()
    {
        var pv = Pvs.Control();
        await using var s = await TestServer.StartAsync(("t:control", pv));
        var r = await s.RunAsync("put", "t:control", "{\"command\":");
        Assert.Equal(2, r.ExitCode);
        Assert.Empty(r.Stdout);
        Assert.Contains("JSON", Assert.Single(r.ErrorLines));
        Assert.Equal(string.Empty, pv.Snapshot()["command"].GetString());
    }

    [Fact]
    public async Task Put_of_a_non_number_is_bad_input()
    {
        await using var s = await TestServer.StartAsync(("t:ai", Pvs.Double(1)));
        var r = await s.RunAsync("put", "t:ai", "notanumber");
        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.ErrorLines);
    }

    [Fact]
    public async Task Put_rejected_by_the_server_exits_1_with_its_reason()
    {
        var pv = Pvs.ReadOnly(2);
        await using var s = await TestServer.StartAsync(("t:ro", pv));
        var r = await s.RunAsync("put", "t:ro", "5");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("Old : <undefined>              2 \n", r.Stdout);
        Assert.Contains("read-only for the test", Assert.Single(r.ErrorLines));
        Assert.Equal(2, pv.Snapshot()["value"].GetDouble());
    }

    [Fact]
    public async Task Put_to_an_unknown_channel_times_out()
    {
        await using var s = await TestServer.StartAsync(("t:ai", Pvs.Double(1)));
        var r = await s.RunAsync("put", "-w", "0.5", "no:such:pv", "1");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("not found", Assert.Single(r.ErrorLines));
    }
}
