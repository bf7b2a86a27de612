using System.CommandLine;
using System.Globalization;
using Pvstream.Bench;
using Pvstream.Cli;

namespace Pvstream.Commands;

/// <summary>
/// <c>pvstream bench</c>: the reference's throughput tables (frames/s a passthrough consumer group sustains with nothing
/// missed, per frame size and consumer count) measured on this machine with real processes, optionally beside the
/// reference's own programs and the machine's ceiling. See docs/benchmarks.md.
/// </summary>
internal static class BenchCommand
{
    private const string ReferenceSizes = "4096x4096,2048x2048,1536x1024:int16,1024x1024,512x512";

    public static Command Create()
    {
        var sizes = new Option<string>("--sizes", "-s") { Description = "Frame sizes NXxNY[:type], comma-separated", DefaultValueFactory = _ => ReferenceSizes };
        var dataType = new Option<string>("--datatype", "-dt") { Description = "Element type of sizes without one", DefaultValueFactory = _ => "uint8" };
        var consumers = new Option<string>("--consumers", "-c") { Description = "Consumer counts, comma-separated (the distributor is on for more than one)", DefaultValueFactory = _ => "1,4,8,10" };
        var metadata = new Option<string>("--metadata-channels", "-m") { Description = "PVA metadata channels per table, comma-separated (0: none; 6: the reference's metadata tables)", DefaultValueFactory = _ => "0" };
        var duration = new Option<double>("--duration", "-d") { Description = "Seconds each trial publishes (the reference: 60)", DefaultValueFactory = _ => 60 };
        var queue = new Option<int?>("--server-queue-size", "-sqs") { Description = "Server queue size for every cell (default: the reference's per frame size)" };
        var startRate = new Option<double?>("--start-rate") { Description = "First rate tried, frames/s (default: about 0.5 GB/s worth)" };
        var maxRate = new Option<double>("--max-rate") { Description = "Highest rate tried, frames/s", DefaultValueFactory = _ => 200_000 };
        var maxTrials = new Option<int>("--max-trials") { Description = "Trials per cell at most", DefaultValueFactory = _ => 8 };
        var precision = new Option<double>("--precision") { Description = "Refine until the failing rate is within this fraction of the passing one", DefaultValueFactory = _ => 0.1 };
        var budget = new Option<double>("--budget") { Description = "Time budget of the whole run in minutes (0: none)", DefaultValueFactory = _ => 0 };
        var startDelay = new Option<double>("--start-delay") { Description = "Seconds from the source's start to its first frame, plus 0.5 s per consumer", DefaultValueFactory = _ => 3 };
        var peer = new Option<bool>("--peer") { Description = "Also run the reference's pvapy-ad-sim-server and pvapy-hpc-consumer from PATH, side by side" };
        var peerMetadata = new Option<string?>("--peer-metadata-processor") { Description = "The reference's metadata example processor FILE[:CLASS] for the metadata tables" };
        var ourMetadata = new Option<string?>("--metadata-processor") { Description = "Our metadata processor FILE[:CLASS] (default: examples/processors/HpcAdMetadataProcessor.cs)" };
        var ceiling = new Option<bool>("--ceiling") { Description = "Also measure the machine's loopback socket pair, memory copy and iperf3 rates" };
        var output = new Option<string?>("--output", "-o") { Description = "Folder for bench.txt, bench.md, bench.csv and bench.png (default: pvstream-bench-<time>)" };
        var command = new Command("bench", "Throughput tables as the reference publishes them: the highest lossless rate per frame size and consumer count")
        {
            sizes, dataType, consumers, metadata, duration, queue, startRate, maxRate, maxTrials, precision, budget, startDelay, peer, peerMetadata, ourMetadata, ceiling, output,
        };
        CliRunner.SetAction(command, async (parse, ct) =>
        {
            var type = parse.GetValue(dataType)!;
            var plan = new BenchPlan
            {
                Frames = [.. List(parse.GetValue(sizes)!, "--sizes").Select(s => FrameSpec.Parse(s, type))],
                ConsumerCounts = Counts(parse.GetValue(consumers)!, "--consumers", minimum: 1),
                MetadataChannels = Counts(parse.GetValue(metadata)!, "--metadata-channels", minimum: 0),
                ServerQueueSize = parse.GetValue(queue),
                Budget = parse.GetValue(budget) is > 0 and var minutes ? TimeSpan.FromMinutes(minutes) : null,
                Search = new SearchOptions
                {
                    StartRate = parse.GetValue(startRate),
                    MaxRate = Positive(parse.GetValue(maxRate), "--max-rate"),
                    MaxTrials = (int)Positive(parse.GetValue(maxTrials), "--max-trials"),
                    Precision = Positive(parse.GetValue(precision), "--precision"),
                    Duration = TimeSpan.FromSeconds(Positive(parse.GetValue(duration), "--duration")),
                },
            };
            var timing = new TrialTiming { BaseStartDelay = TimeSpan.FromSeconds(Positive(parse.GetValue(startDelay), "--start-delay")) };
            var folder = parse.GetValue(output) ?? $"pvstream-bench-{DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}";
            var withMetadata = plan.MetadataChannels.Any(m => m > 0);

            var programs = BenchPrograms.Pvstream();
            var ours = new ProcessTrialRunner(
                withMetadata ? WithMetadata(programs, parse.GetValue(ourMetadata) ?? DefaultMetadataProcessor(), "HpcAdMetadataProcessor") : programs,
                timing, Progress);
            ITrialRunner? reference = null;
            if (parse.GetValue(peer))
            {
                if (BenchPrograms.Reference() is { } r)
                {
                    var file = parse.GetValue(peerMetadata);
                    if (withMetadata && file is null)
                    {
                        throw new CliException("Error: the metadata tables with --peer need --peer-metadata-processor (the reference's hpcAdMetadataProcessorExample.py)", ExitCodes.BadInput);
                    }

                    reference = new ProcessTrialRunner(withMetadata ? WithMetadata(r, file!, "HpcAdMetadataProcessor") : r, timing, Progress);
                }
                else
                {
                    Progress("The reference's pvapy-ad-sim-server and pvapy-hpc-consumer are not on PATH: running pvstream alone");
                }
            }

            Directory.CreateDirectory(folder);
            MachineCeiling.Result? limits = null;
            if (parse.GetValue(ceiling))
            {
                Progress("Measuring the machine's ceiling...");
                limits = await MachineCeiling.MeasureAsync(TimeSpan.FromSeconds(5), ct);
                Progress(limits.ToString());
            }

            // A trial that cannot be set up cuts its cell short (RateSearch) and the run goes on: the tables are written.
            var rows = await new BenchRun(plan, ours, reference, Progress).RunAsync(ct);

            var header = string.Create(CultureInfo.InvariantCulture,
                $"pvstream bench on {Environment.ProcessorCount} cores, {plan.Search.Duration.TotalSeconds:0} s trials, passthrough processor{(withMetadata ? " (metadata tables: the metadata example processor, -ao 10)" : "")}\n")
                + (limits is null ? "" : limits + "\n");
            var text = header + "\n" + BenchTable.Text(rows);
            Console.Out.Write(text);
            await File.WriteAllTextAsync(Path.Combine(folder, "bench.txt"), text, CancellationToken.None);
            await File.WriteAllTextAsync(Path.Combine(folder, "bench.md"), header + "\n" + BenchTable.Markdown(rows), CancellationToken.None);
            await File.WriteAllTextAsync(Path.Combine(folder, "bench.csv"), BenchTable.Csv(rows), CancellationToken.None);
            BenchPlot.SavePng(rows, Path.Combine(folder, "bench.png"));
            Console.Out.WriteLine($"Written: {Path.Combine(folder, "bench.{txt,md,csv,png}")}");
            return rows.Count > 0 && rows.All(r => r.Ours.Rate > 0) ? ExitCodes.Success : ExitCodes.Failure;
        });
        return OptionAbbreviations.Enable(command);
    }

    private static void Progress(string line)
    {
        Console.Error.WriteLine(line);
    }

    private static BenchPrograms WithMetadata(BenchPrograms programs, string spec, string defaultClass)
    {
        var colon = spec.LastIndexOf(':');
        var (file, cls) = colon > 1 ? (spec[..colon], spec[(colon + 1)..]) : (spec, defaultClass);
        if (!File.Exists(file))
        {
            throw new CliException($"Error: metadata processor file not found: {file}", ExitCodes.BadInput);
        }

        return programs with { MetadataProcessor = (Path.GetFullPath(file), cls) };
    }

    // The example shipped in this repository, found from the tool's folder upwards (a source checkout).
    private static string DefaultMetadataProcessor()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "examples", "processors", "HpcAdMetadataProcessor.cs");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new CliException("Error: the metadata tables need --metadata-processor FILE[:CLASS] (examples/processors/HpcAdMetadataProcessor.cs was not found)", ExitCodes.BadInput);
    }

    private static string[] List(string text, string option)
    {
        var items = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return items.Length > 0 ? items : throw new CliException($"Error: {option} is empty", ExitCodes.BadInput);
    }

    private static int[] Counts(string text, string option, int minimum) =>
        [.. List(text, option).Select(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= minimum
            ? n
            : throw new CliException($"Error: {option} takes whole numbers >= {minimum}, not '{s}'", ExitCodes.BadInput)).Distinct()];

    private static double Positive(double value, string option) =>
        value > 0 ? value : throw new CliException($"Error: {option} must be greater than 0", ExitCodes.BadInput);
}
