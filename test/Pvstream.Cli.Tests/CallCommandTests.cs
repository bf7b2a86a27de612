namespace Pvstream.Cli.Tests;

public class CallCommandTests
{
    [Fact]
    public async Task Call_sends_name_value_arguments_and_prints_the_result()
    {
        await using var s = await TestServer.StartAsync(("t:add", Pvs.Adder()));
        var r = await s.RunAsync("call", "t:add", "lhs=1.5", "rhs=2.25");
        Assert.True(r.ExitCode == 0, r.ToString());
        // pvcall printed "<undefined>              3.75 " for pvxs's rpc_server (pva-rpc/pvxs-rpc_server/pvcall.stdout.txt).
        Assert.Equal("<undefined>              3.75 \n", r.Stdout);
    }

    [Fact]
    public async Task Call_with_malformed_json_is_bad_input()
    {
        await using var s = await TestServer.StartAsync(("t:add", Pvs.Adder()));
        var r = await s.RunAsync("call", "t:add", "{\"lhs\":");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("JSON", Assert.Single(r.ErrorLines));
    }

    [Fact]
    public async Task Call_on_a_pv_without_rpc_exits_1()
    {
        await using var s = await TestServer.StartAsync(("t:ai", Pvs.Double(1)));
        var r = await s.RunAsync("call", "t:ai");
        Assert.Equal(1, r.ExitCode);
        Assert.Single(r.ErrorLines);
    }
}
