namespace Pvstream.Cli.Tests;

/// <summary>What a new user meets first: unknown commands, misspelt options and malformed numbers.</summary>
public class FrontDoorTests
{
    private static readonly Dictionary<string, string> NoEnvironment = [];

    [Theory]
    [InlineData("nosuch", "'nosuch' is not a pvstream command")]
    [InlineData("mointor", "did you mean 'monitor'?")]
    [InlineData("benchmarks --help", "'benchmarks' is not a pvstream command")]
    [InlineData("ca gett x", "did you mean 'get'?")]
    public async Task An_unknown_subcommand_is_named_with_the_closest_one_and_exits_2(string line, string expected)
    {
        var r = await Tool.RunAsync(NoEnvironment, line.Split(' '));
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Empty(r.Stdout);
        Assert.Contains(expected, Assert.Single(r.ErrorLines));
    }

    [Theory]
    [InlineData("get --tiemout 3 x", "'--tiemout'", "--timeout")]
    [InlineData("put --quite x 1", "'--quite'", "--quiet")]
    [InlineData("info -W 1 x", "'-W'", "-w")]
    [InlineData("monitor --cont 3 x", "'--cont'", "--count")]
    [InlineData("call --tiemout 3 x", "'--tiemout'", "--timeout")]
    [InlineData("ca get --tiemout 3 x", "'--tiemout'", "--timeout")]
    [InlineData("ca put --calback x 1", "'--calback'", "--callback")]
    [InlineData("ca monitor --mask=v --maks v x", "'--maks'", "--mask")]
    public async Task A_misspelt_option_is_refused_not_taken_as_a_pv_name(string line, string named, string suggested)
    {
        var r = await Tool.RunAsync(NoEnvironment, line.Split(' '));
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Empty(r.Stdout);
        var error = Assert.Single(r.ErrorLines);
        Assert.Contains($"unknown option {named}", error);
        Assert.Contains($"did you mean '{suggested}'?", error);
    }

    [Theory]
    [InlineData("get -w abc x", "--timeout: 'abc' is not a number")]
    [InlineData("monitor -# x y", "--count: 'x' is not a whole number")]
    [InlineData("ca get -w abc x", "--timeout: 'abc' is not a number")]
    [InlineData("ca monitor -e x y", "-e: 'x' is not a whole number")]
    [InlineData("demo -fps -5", "-fps must be a positive number")]
    [InlineData("demo -fps 0", "-fps must be a positive number")]
    [InlineData("demo --frame-rate=abc", "--frame-rate: 'abc' is not a number")]
    public async Task A_malformed_number_is_one_line_and_exit_2_not_a_crash(string line, string expected)
    {
        var r = await Tool.RunAsync(NoEnvironment, line.Split(' '));
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Empty(r.Stdout);
        Assert.Contains(expected, Assert.Single(r.ErrorLines));
    }

    [Fact]
    public async Task A_pv_name_that_starts_with_a_dash_can_follow_the_separator()
    {
        await using var s = await TestServer.StartAsync(("-odd", Pvs.Double(2.5)));
        var r = await s.RunAsync("get", "-w", "5", "--", "-odd");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.StartsWith("-odd ", r.Stdout);
        Assert.Matches(@"^-odd .* 2\.5 *\n$", r.Stdout);
    }

    [Fact]
    public async Task Negative_numbers_stay_values()
    {
        await using var s = await TestServer.StartAsync(("t:x", Pvs.Double(1)));
        var r = await s.RunAsync("put", "t:x", "-5.5");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("New : ", r.Stdout);
        Assert.Matches(@"New : .* -5\.5 *\n$", r.Stdout);
    }
}
