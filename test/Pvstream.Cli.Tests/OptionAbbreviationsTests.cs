using System.CommandLine;
using Pvstream.Commands;

namespace Pvstream.Cli.Tests;

/// <summary>In-process checks of the argparse-style rewrite on the real subcommands (the expected behaviour is Python 3.12 argparse's).</summary>
public class OptionAbbreviationsTests
{
    private static RootCommand Root() => new("test")
    {
        AdSimServerCommand.Create(), MirrorServerCommand.Create(), GetCommand.Create(),
    };

    private static string[] Expand(RootCommand root, params string[] args)
    {
        Assert.True(OptionAbbreviations.TryExpand(root, args, out var expanded, out var error), error);
        return expanded;
    }

    private static string Error(params string[] args)
    {
        Assert.False(OptionAbbreviations.TryExpand(Root(), args, out _, out var error));
        return error;
    }

    [Fact]
    public void Unique_long_prefixes_are_written_out_and_parse()
    {
        var root = Root();
        var expanded = Expand(root, "ad-sim-server", "--frame-r", "5", "--runt", "1", "--start", "0", "--shut", "0", "--disable", "-nx", "8", "-ny", "8");
        Assert.Equal(
            ["ad-sim-server", "--frame-rate", "5", "--runtime", "1", "--start-delay", "0", "--shutdown-delay", "0", "--disable-curses", "-nx", "8", "-ny", "8"],
            expanded);
        var parse = root.Parse(expanded);
        Assert.Empty(parse.Errors);
        Assert.Equal(5.0, parse.GetValue<double>("--frame-rate"));
        Assert.Equal(1.0, parse.GetValue<double>("--runtime"));
        Assert.True(parse.GetValue<bool>("--disable-curses"));
    }

    [Fact]
    public void Mirror_server_prefixes_are_written_out()
    {
        Assert.Equal(
            ["mirror-server", "--channel-map", "(a,b,pva)", "--runtime", "2", "--report-period", "1"],
            Expand(Root(), "mirror-server", "--chan", "(a,b,pva)", "--run", "2", "--rep", "1"));
    }

    [Fact]
    public void Prefix_with_equals_keeps_the_value_as_typed()
    {
        var root = Root();
        var expanded = Expand(root, "ad-sim-server", "--chan=--frame=x", "--frame=7", "-np=a=b");
        Assert.Equal(["ad-sim-server", "--channel-name=--frame=x", "--frame-rate=7", "-npv=a=b"], expanded);
        var parse = root.Parse(expanded);
        Assert.Empty(parse.Errors);
        Assert.Equal("--frame=x", parse.GetValue<string>("--channel-name"));
        Assert.Equal(7.0, parse.GetValue<double>("--frame-rate"));
        Assert.Equal("a=b", parse.GetValue<string>("--notify-pv"));
    }

    [Fact]
    public void Multi_character_single_dash_options_take_prefixes_too()
    {
        Assert.Equal(["ad-sim-server", "-fps", "5", "-hds", "/d", "-fps=3"], Expand(Root(), "ad-sim-server", "-fp", "5", "-hd", "/d", "-f=3"));
    }

    [Fact]
    public void Ambiguous_prefix_lists_every_candidate_in_declaration_order()
    {
        Assert.Equal(
            "ambiguous option: --n could match --n-x-pixels, --n-y-pixels, --n-frames, --notify-pv, --notify-pv-value",
            Error("ad-sim-server", "--n", "5"));
        Assert.Equal("ambiguous option: -c=1 could match -cfg, -cm, -cs, -cn", Error("ad-sim-server", "-c=1"));
        Assert.Equal("ambiguous option: --r could match --runtime, --report-period", Error("mirror-server", "--r", "1"));
    }

    [Fact]
    public void Exact_name_beats_the_prefix_of_a_longer_one()
    {
        var root = Root();
        var expanded = Expand(root, "ad-sim-server", "--notify-pv", "a", "--notify-pv-v", "0");
        Assert.Equal(["ad-sim-server", "--notify-pv", "a", "--notify-pv-value", "0"], expanded);
        var parse = root.Parse(expanded);
        Assert.Equal("a", parse.GetValue<string>("--notify-pv"));
        Assert.Equal("0", parse.GetValue<string>("--notify-pv-value"));
    }

    [Fact]
    public void Values_are_never_rewritten()
    {
        string[] args = ["ad-sim-server", "-cn", "frame", "-mn", "-5", "-mx", "-1.5e2", "--hdf-dataset", "-d with space", "-id", "-"];
        Assert.Equal(args, Expand(Root(), args));
    }

    [Theory]
    [InlineData("--frame")]
    [InlineData("-dc")]
    [InlineData("--foo")]
    public void Option_like_token_where_a_value_belongs_is_argparse_error(string next)
    {
        Assert.Equal("argument -cn/--channel-name: expected one argument", Error("ad-sim-server", "-cn", next));
        Assert.Equal("argument -cn/--channel-name: expected one argument", Error("ad-sim-server", "--chan", next));
    }

    [Fact]
    public void Nothing_after_the_separator_is_touched()
    {
        string[] args = ["ad-sim-server", "--", "--frame", "--n"];
        Assert.Equal(args, Expand(Root(), args));
    }

    [Fact]
    public void Unknown_options_are_left_for_the_parser_to_report()
    {
        var root = Root();
        var expanded = Expand(root, "ad-sim-server", "--foo", "-zz");
        Assert.Equal(["ad-sim-server", "--foo", "-zz"], expanded);
        Assert.Contains("--foo", Assert.Single(root.Parse(expanded).Errors, e => e.Message.Contains("--foo", StringComparison.Ordinal)).Message);
    }

    [Fact]
    public void Recursive_help_option_takes_prefixes_and_counts_for_ambiguity()
    {
        Assert.Equal(["ad-sim-server", "--help"], Expand(Root(), "ad-sim-server", "--he"));
        Assert.Equal("ambiguous option: --h could match --hdf-dataset, --hdf-compression-mode, --help", Error("ad-sim-server", "--h"));
    }

    [Fact]
    public void Commands_that_did_not_opt_in_are_untouched()
    {
        string[] args = ["get", "--tim", "3", "x"];
        Assert.Equal(args, Expand(Root(), args));
    }

    [Fact]
    public void Tokens_before_the_subcommand_are_untouched()
    {
        Assert.Equal(["--he", "ad-sim-server", "--frame-rate", "1"], Expand(Root(), "--he", "ad-sim-server", "--fr", "1"));
    }

    [Fact]
    public void Two_spellings_of_one_option_are_not_ambiguous_and_nested_commands_can_opt_in()
    {
        var alpha = new Option<string>("--alphabet", "--alpha");
        var beta = new Option<bool>("--beta");
        var leaf = new Command("leaf") { alpha, beta };
        var root = new RootCommand("test") { new Command("group") { OptionAbbreviations.Enable(leaf) } };
        var expanded = Expand(root, "group", "leaf", "--al", "x", "--b");
        Assert.Equal(["group", "leaf", "--alphabet", "x", "--beta"], expanded);
        Assert.Equal("x", root.Parse(expanded).GetValue(alpha));
    }
}
