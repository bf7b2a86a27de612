using System.Diagnostics;
using System.Globalization;
using Pvstream.Cli;

namespace Pvstream.Bench;

/// <summary>
/// The two programs a bench runs and how to start them: <c>pvstream ad-sim-server</c> and <c>pvstream consumer</c>
/// (this tool itself), or the reference's <c>pvapy-ad-sim-server</c> and <c>pvapy-hpc-consumer</c> from PATH. Both take
/// the same options, so one trial runner drives either.
/// </summary>
internal sealed record BenchPrograms
{
    private readonly Func<string, IReadOnlyList<string>, ProcessStartInfo> _start;

    private BenchPrograms(string name, Func<string, IReadOnlyList<string>, ProcessStartInfo> start, string sourceName, string consumerName)
    {
        Name = name;
        _start = start;
        SourceCommand = sourceName;
        ConsumerCommand = consumerName;
    }

    /// <summary><c>pvstream</c> or <c>pvapy</c>.</summary>
    public string Name { get; }

    public string SourceCommand { get; }

    public string ConsumerCommand { get; }

    /// <summary>The metadata processor (file, class) the metadata tables use, or null for the passthrough one.</summary>
    public (string File, string Class)? MetadataProcessor { get; init; }

    /// <summary>This tool's own subcommands.</summary>
    public static BenchPrograms Pvstream() =>
        new("pvstream", (command, args) => SelfCommand.StartInfo([command, .. args]), "ad-sim-server", "consumer");

    /// <summary>The reference's programs when both are on PATH, else null.</summary>
    public static BenchPrograms? Reference()
    {
        var source = FindOnPath("pvapy-ad-sim-server");
        var consumer = FindOnPath("pvapy-hpc-consumer");
        if (source is null || consumer is null)
        {
            return null;
        }

        return new BenchPrograms("pvapy", (command, args) => Info(command == "source" ? source : consumer, args), "source", "consumer");
    }

    public ProcessStartInfo Source(IReadOnlyList<string> args) => _start(SourceCommand, args);

    public ProcessStartInfo Consumer(IReadOnlyList<string> args) => _start(ConsumerCommand, args);

    private static ProcessStartInfo Info(string program, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        return info;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    /// <summary>The options of one source run (the same for both implementations).</summary>
    public static List<string> SourceArguments(TrialSpec spec, string channel, double startDelay, IReadOnlyList<string> metadataChannels)
    {
        var f = spec.Cell.Frame;
        var args = new List<string>
        {
            "-cn", channel, "-nx", Inv(f.Nx), "-ny", Inv(f.Ny), "-dt", f.DataType, "-nf", "100",
            "-fps", Inv(spec.Rate), "-rt", Inv(spec.Duration.TotalSeconds), "-std", Inv(startDelay), "-shd", "2", "-rp", "0", "-dc",
        };
        if (metadataChannels.Count > 0)
        {
            args.AddRange(["-mpv", string.Join(',', metadataChannels.Select(m => "pva://" + m))]);
        }

        return args;
    }

    /// <summary>The options of consumer <paramref name="id"/>: passthrough, the cell's server queue, the distributor when N > 1
    /// (one update per consumer in turn, so each expects every Nth object id).</summary>
    public List<string> ConsumerArguments(TrialSpec spec, int id, string input, string status, IReadOnlyList<string> metadataChannels)
    {
        var args = new List<string>
        {
            "-ic", input, "-id", Inv(id), "-nc", "1", "-sqs", Inv(spec.Cell.ServerQueueSize), "-sc", status, "-rp", "0", "-dc",
        };
        if (spec.Cell.Consumers > 1)
        {
            // Each consumer is its own command here (-nc 1), so it is told the id step the distributor gives it.
            args.AddRange(["-du", "1", "-oo", Inv(spec.Cell.Consumers)]);
        }

        if (metadataChannels.Count > 0)
        {
            args.AddRange(["-mc", string.Join(',', metadataChannels.Select(m => "pva://" + m)), "-rqs", "0", "-ao", "10"]);
            if (MetadataProcessor is { } p)
            {
                args.AddRange(["-pf", p.File, "-pc", p.Class]);
            }
        }

        return args;
    }

    private static string Inv(double value) => value.ToString(CultureInfo.InvariantCulture);
}
