namespace Pvstream.Cli.Tests;

public class DemoCommandTests
{
    [Fact]
    public async Task Demo_runs_the_chain_and_loses_no_frame()
    {
        var r = await Tool.RunAsync(new Dictionary<string, string>(), TimeSpan.FromSeconds(120),
            "demo", "--seconds", "2", "--consumers", "2", "-nx", "64", "-ny", "64", "-fps", "200");
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Contains("no loss", r.Stdout);
        Assert.Contains("2 consumers connected", r.Stdout);
    }

    [Fact]
    public async Task Demo_rejects_a_bad_pixel_type()
    {
        var r = await Tool.RunAsync(new Dictionary<string, string>(), TimeSpan.FromSeconds(60), "demo", "-dt", "complex128");
        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.ErrorLines);
    }
}
