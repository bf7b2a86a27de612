using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Pvstream.Cli.Tests;

/// <summary>
/// The command lines in README.md and docs/cli.md run as written, in order, against <c>serve --demo</c> on private
/// ports (the EPICS variables point every process at it). The examples this test cannot run are listed in
/// <see cref="KeptByHand"/> with the reason; an example that is neither run nor listed fails the test, so a new one
/// must be made runnable or listed.
/// </summary>
public partial class DocExamplesTests
{
    private static readonly Dictionary<string, string> IsolatedServer = new()
    {
        ["EPICS_PVAS_INTF_ADDR_LIST"] = "127.0.0.1",
        ["EPICS_PVAS_SERVER_PORT"] = "0",
        ["EPICS_PVAS_BROADCAST_PORT"] = "0",
        ["EPICS_PVAS_AUTO_BEACON_ADDR_LIST"] = "NO",
    };

    /// <summary>Examples kept true by hand, and why they are not run here.</summary>
    private static readonly (Func<string[], bool> Matches, string Reason)[] KeptByHand =
    [
        (a => a[0] == "ca", "needs a Channel Access server with the conf:* records; the output forms are checked by CaCommandTests"),
        (a => a[0] is "ad-sim-server" or "mirror-server", "run for a minute or need a pvapy source; covered by the Epics.Streaming and peer tests"),
        (a => a[0] == "consumer", "needs an image source; covered by ConsumerCommandTests"),
        (a => a[0] == "collector", "needs producer streams; covered by CollectorCommandTests"),
        (a => a[0] == "demo", "runs for 10 s and more; covered by DemoCommandTests"),
        (a => a[0] == "bench", "runs for minutes to hours; a tiny matrix is run by BenchCommandTests"),
        (a => a[0] == "run", "starts whole pipelines for tens of seconds; WorkflowRunTests runs every example workflow"),
        (a => a[0] == "serve" && a.Contains("-f"), "the files are the JSON and text shown next to the example"),
        (a => a.Any(w => w.StartsWith("x:", StringComparison.Ordinal) || w == "-odd"), "names a PV that serve --demo does not have, to show the syntax"),
    ];

    [Fact]
    public async Task Readme_and_cli_examples_run_as_written()
    {
        var examples = Examples("README.md").Concat(Examples(Path.Combine("docs", "cli.md"))).ToList();
        Assert.Contains(examples, e => e.Args.SequenceEqual(["serve", "--demo"]));

        using var server = RunningTool.Start(IsolatedServer, "serve", "--demo");
        var ports = PortsLine().Match(await server.StdoutLineAsync(l => l.StartsWith("Serving", StringComparison.Ordinal), TimeSpan.FromSeconds(30)));
        var udp = ports.Groups["udp"].Value;
        var client = new Dictionary<string, string>
        {
            ["EPICS_PVA_ADDR_LIST"] = $"127.0.0.1:{udp}",
            ["EPICS_PVA_AUTO_ADDR_LIST"] = "NO",
            ["EPICS_PVA_BROADCAST_PORT"] = udp,
        };
        var failures = new StringBuilder();
        var ran = 0;
        foreach (var (source, line, args) in examples)
        {
            if (KeptByHand.FirstOrDefault(k => k.Matches(args)) is { Reason: not null })
            {
                continue;
            }

            ran++;
            if (args[0] == "serve")
            {
                // Another server beside the demo one: it must start; then it is stopped.
                using var other = RunningTool.Start(IsolatedServer, args);
                await other.StdoutLineAsync(l => l.StartsWith("Serving", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
                continue;
            }

            if (args[0] == "monitor" && !args.Contains("-#"))
            {
                // "until Ctrl-C": its first update is enough.
                using var monitor = RunningTool.Start(client, args);
                await monitor.StdoutLineAsync(_ => true, TimeSpan.FromSeconds(30));
                continue;
            }

            var r = await Tool.RunAsync(client, args);
            var quiet = args[0] == "put" && args.Contains("-q");
            if (r.ExitCode != 0 || (r.Stdout.Length == 0) != quiet)
            {
                failures.Append(CultureInfo.InvariantCulture, $"{source}: {line}\n{r}\n");
            }
        }

        Assert.True(failures.Length == 0, failures.ToString());
        Assert.True(ran >= 20, $"only {ran} examples ran");
    }

    /// <summary>
    /// Command lines of a Markdown file: <c>$ pvstream ...</c> and <c>./pvstream ...</c> lines of code blocks (with
    /// <c>\</c> continuations), and inline code that starts with <c>./pvstream</c> or <c>pvstream</c> and is not a
    /// syntax summary (<c>&lt;name&gt;</c>, <c>[options]</c>, <c>|</c>).
    /// </summary>
    private static IEnumerable<(string Source, string Line, string[] Args)> Examples(string relativePath)
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryRoot(), relativePath));
        var inBlock = false;
        for (var i = 0; i < lines.Length; i++)
        {
            var text = lines[i];
            if (text.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inBlock = !inBlock;
                continue;
            }

            var candidates = new List<string>();
            if (inBlock)
            {
                var command = text.StartsWith("$ pvstream ", StringComparison.Ordinal) ? text[2..]
                    : text.StartsWith("./pvstream ", StringComparison.Ordinal) ? text : null;
                while (command is not null && command.TrimEnd().EndsWith('\\') && i + 1 < lines.Length)
                {
                    command = command.TrimEnd()[..^1] + " " + lines[++i].Trim();
                }

                if (command is not null)
                {
                    candidates.Add(command);
                }
            }
            else
            {
                candidates.AddRange(InlineCode().Matches(text).Select(m => m.Groups[1].Value)
                    .Where(c => c.StartsWith("./pvstream ", StringComparison.Ordinal) || c.StartsWith("pvstream ", StringComparison.Ordinal)));
            }

            foreach (var c in candidates.Where(c => !c.Contains('<', StringComparison.Ordinal) && !c.Contains("[options]", StringComparison.Ordinal) && !c.Contains(" | ", StringComparison.Ordinal)))
            {
                var words = ShellWords(c);
                if (words.Count > 2) // "pvstream monitor" alone is a name in prose, not an example
                {
                    yield return ($"{relativePath}:{i + 1}", c, words.Skip(1).ToArray());
                }
            }
        }
    }

    // Enough of the shell for documentation: '...' and "..." quoting, backslash escapes, # comments.
    private static List<string> ShellWords(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else if (c == '#' && !inWord)
            {
                break;
            }
            else if (c == '\'')
            {
                var end = line.IndexOf('\'', i + 1);
                word.Append(line, i + 1, end - i - 1);
                i = end;
                inWord = true;
            }
            else if (c == '"')
            {
                for (i++; line[i] != '"'; i++)
                {
                    if (line[i] == '\\' && line[i + 1] is '"' or '\\')
                    {
                        i++;
                    }

                    word.Append(line[i]);
                }

                inWord = true;
            }
            else
            {
                if (c == '\\' && i + 1 < line.Length)
                {
                    c = line[++i];
                }

                word.Append(c);
                inWord = true;
            }
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "pvstream.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("pvstream.slnx is not above the test assembly");
    }

    [GeneratedRegex(@"TCP port (?<tcp>\d+), UDP port (?<udp>\d+)")]
    private static partial Regex PortsLine();

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex InlineCode();
}
