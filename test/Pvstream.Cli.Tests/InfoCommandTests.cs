namespace Pvstream.Cli.Tests;

public class InfoCommandTests
{
    [Fact]
    public async Task Info_prints_server_and_type_like_pvinfo()
    {
        await using var s = await TestServer.StartAsync(("t:ai", Pvs.Double(1)));
        var r = await s.RunAsync("info", "t:ai");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(
            "t:ai\n" +
            $"Server: 127.0.0.1:{s.Server.TcpPort}\n" +
            "Type:\n" +
            "    epics:nt/NTScalar:1.0\n" +
            "        double value\n" +
            "        alarm_t alarm\n" +
            "            int severity\n" +
            "            int status\n" +
            "            string message\n" +
            "        time_t timeStamp\n" +
            "            long secondsPastEpoch\n" +
            "            int nanoseconds\n" +
            "            int userTag\n" +
            "\n",
            r.Stdout);
    }

    [Fact]
    public async Task Info_of_an_unknown_channel_times_out()
    {
        await using var s = await TestServer.StartAsync(("t:ai", Pvs.Double(1)));
        var r = await s.RunAsync("info", "-w", "0.5", "no:such:pv");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("not found", Assert.Single(r.ErrorLines));
    }
}
