namespace Pvstream.Cli.Tests;

public class UsageTests
{
    private static readonly Dictionary<string, string> NoEnvironment = [];

    [Theory]
    [InlineData("get")]
    [InlineData("get", "-M", "yaml", "x")]
    [InlineData("get", "-w", "-1", "x")]
    [InlineData("monitor", "-#", "0", "x")]
    [InlineData("frobnicate")]
    public async Task Usage_errors_exit_2_with_one_line(params string[] args)
    {
        var r = await Tool.RunAsync(NoEnvironment, args);
        Assert.Equal(2, r.ExitCode);
        Assert.Empty(r.Stdout);
        Assert.Single(r.ErrorLines);
    }

    [Fact]
    public async Task Malformed_epics_environment_is_bad_input()
    {
        var r = await Tool.RunAsync(new Dictionary<string, string> { ["EPICS_PVA_BROADCAST_PORT"] = "notaport" }, "get", "x");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("EPICS_PVA_BROADCAST_PORT", Assert.Single(r.ErrorLines));
    }

    [Fact]
    public async Task Help_lists_every_subcommand()
    {
        var r = await Tool.RunAsync(NoEnvironment, "--help");
        Assert.Equal(0, r.ExitCode);
        foreach (var sub in new[] { "get", "put", "info", "monitor", "call", "serve" })
        {
            Assert.Contains($"  {sub} ", r.Stdout);
        }
    }
}
