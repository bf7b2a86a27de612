using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Epics.Pva;
using Epics.Pva.Client;
using Pvstream.Streaming;

namespace Pvstream.Bench;

/// <summary>
/// A trial with real processes, as the reference measured: the source started with a start delay, N consumers
/// started at once (each its own process, passthrough, <c>-du 1</c> when N > 1), every consumer's status channel
/// answering before the first frame, the source publishing for the trial's duration, then SIGINT to the consumers and
/// their final reports read. Each trial gets its own PVA ports and channel names, so trials and other EPICS programs
/// on the machine never see each other.
/// </summary>
internal sealed class ProcessTrialRunner(BenchPrograms programs, TrialTiming timing, Action<string>? log = null) : ITrialRunner
{
    private static readonly TimeSpan SamplePeriod = TimeSpan.FromMilliseconds(200);
    private int _trial;

    public string Name => programs.Name;

    public async Task<TrialResult> RunAsync(TrialSpec spec, CancellationToken cancellationToken)
    {
        var trial = Interlocked.Increment(ref _trial);
        var prefix = string.Create(CultureInfo.InvariantCulture, $"bench{Environment.ProcessId}t{trial}");
        var environment = IsolatedEnvironment();
        var image = prefix + ":image";
        var metadata = Enumerable.Range(1, spec.Cell.MetadataChannels).Select(i => string.Create(CultureInfo.InvariantCulture, $"{prefix}:meta{i}")).ToList();
        var startDelay = timing.StartDelay(spec.Cell.Consumers);

        await using var client = new PvaClient(PvaClientOptions.FromDictionary(environment) with { SearchMaxInterval = TimeSpan.FromSeconds(1) });
        var processes = new List<ChildProcess>();
        try
        {
            var started = Stopwatch.StartNew();
            var source = ChildProcess.Start(programs.SourceCommand, programs.Source(BenchPrograms.SourceArguments(spec, image, startDelay.TotalSeconds, metadata)), environment);
            processes.Add(source);
            var statusNames = new List<string>();
            for (var id = 1; id <= spec.Cell.Consumers; id++)
            {
                var status = string.Create(CultureInfo.InvariantCulture, $"{prefix}:consumer:{id}:status");
                statusNames.Add(status);
                processes.Add(ChildProcess.Start(string.Create(CultureInfo.InvariantCulture, $"consumer {id}"),
                    programs.Consumer(programs.ConsumerArguments(spec, id, image, status, metadata)), environment));
            }

            // Every consumer up (its status channel answers) before the source's first frame.
            var firstFrame = startDelay - started.Elapsed;
            using (var ready = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                ready.CancelAfter(firstFrame > TimeSpan.Zero ? firstFrame : TimeSpan.Zero);
                try
                {
                    await Task.WhenAll(statusNames.Select(n => client.GetAsync(n, cancellationToken: ready.Token))).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new BenchSetupException(string.Create(CultureInfo.InvariantCulture,
                        $"{spec.Cell.Consumers} {programs.ConsumerCommand} processes were not all up within the start delay of {startDelay.TotalSeconds:0.#} s; give a longer --start-delay")
                        + Tail(processes));
                }
            }

            // CPU is counted from the first frame to the source's end, so start-up and JIT do not count per frame.
            var untilFirst = startDelay - started.Elapsed;
            if (untilFirst > TimeSpan.Zero)
            {
                await Task.Delay(untilFirst, cancellationToken).ConfigureAwait(false);
            }

            var window = Stopwatch.StartNew();
            var atStart = processes.Select(p => p.Sample()).ToList();
            var atEnd = atStart;
            var sourceLimit = spec.Duration + TimeSpan.FromSeconds(30);
            while (!source.HasExited)
            {
                if (window.Elapsed > sourceLimit)
                {
                    throw new BenchSetupException($"{programs.SourceCommand} did not finish within {sourceLimit.TotalSeconds:0} s of its first frame" + Tail(processes));
                }

                atEnd = processes.Select(p => p.Sample()).ToList();
                await Task.Delay(SamplePeriod, cancellationToken).ConfigureAwait(false);
            }

            var wall = window.Elapsed.TotalSeconds;
            var usage = processes.Select((p, i) => new ProcessUsage(p.Name, (atEnd[i].Cpu - atStart[i].Cpu).TotalSeconds, wall, atEnd[i].PeakWorkingSet)).ToList();

            // The consumers drain what the source sent before it left, then report.
            await Task.Delay(timing.Drain, cancellationToken).ConfigureAwait(false);
            var stopped = await Task.WhenAll(processes.Skip(1).Select(p => p.InterruptAsync(TimeSpan.FromSeconds(20)))).ConfigureAwait(false);
            return Evaluate(spec, source, processes.Skip(1).ToList(), stopped, usage);
        }
        finally
        {
            foreach (var p in processes)
            {
                await p.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private TrialResult Evaluate(TrialSpec spec, ChildProcess source, List<ChildProcess> consumers, bool[] stopped, List<ProcessUsage> usage)
    {
        var problems = new List<string>();
        var published = ConsumerReportReader.ReadPublished(source.Output);
        if (published is null)
        {
            // Not a rate problem: the source did not run as expected, and a lower rate would not help.
            throw new BenchSetupException($"{programs.SourceCommand} printed no 'Published frames' summary (exit code {source.ExitCode})" + Tail([source]));
        }

        if (published.Value.Rate < 0.97 * spec.Rate)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"the source published {published.Value.Rate:0} of {spec.Rate:0} frames/s"));
        }

        var totals = ConsumerTotals.Zero;
        for (var i = 0; i < consumers.Count; i++)
        {
            var c = consumers[i];
            if (!stopped[i])
            {
                problems.Add($"{c.Name} did not stop on SIGINT");
            }

            if (ConsumerReportReader.ReadFinal(c.Output) is { } t)
            {
                totals = totals.Add(t);
            }
            else
            {
                problems.Add($"{c.Name} printed no final report (exit code {(c.HasExited ? c.ExitCode : -1)})");
            }
        }

        if (totals.Missed > 0 || totals.Rejected > 0 || totals.Overruns > 0)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{totals.Missed} missed, {totals.Rejected} rejected, {totals.Overruns} overruns"));
        }

        // Each consumer may skip its first update (-siu 1): the record's initial value, or a frame when it came late.
        if (totals.Processed + consumers.Count < published.Value.Frames)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{published.Value.Frames - totals.Processed} of {published.Value.Frames} frames not processed"));
        }

        var failure = problems.Count == 0 ? null : string.Join("; ", problems);
        if (failure is not null)
        {
            log?.Invoke($"  trial at {spec.Rate.ToString(CultureInfo.InvariantCulture)} frames/s failed: {failure}");
        }

        return new TrialResult(spec, published.Value.Frames, published.Value.Rate, totals, usage, failure);
    }

    private static string Tail(IEnumerable<ChildProcess> processes) =>
        string.Concat(processes.Select(p =>
        {
            var lines = p.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return lines.Length == 0 ? "" : $"\n--- {p.Name} (last lines) ---\n" + string.Join('\n', lines.TakeLast(5));
        }));

    // Private PVA ports on loopback for one trial; the children and this process's client use the same variables.
    private static Dictionary<string, string> IsolatedEnvironment()
    {
        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        tcp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["EPICS_PVA_ADDR_LIST"] = "127.0.0.1",
            ["EPICS_PVA_AUTO_ADDR_LIST"] = "NO",
            ["EPICS_PVA_BROADCAST_PORT"] = ((IPEndPoint)udp.LocalEndPoint!).Port.ToString(CultureInfo.InvariantCulture),
            ["EPICS_PVA_SERVER_PORT"] = ((IPEndPoint)tcp.LocalEndPoint!).Port.ToString(CultureInfo.InvariantCulture),
        };
    }
}

/// <summary>The fixed times of a trial around its measured window.</summary>
internal sealed record TrialTiming
{
    /// <summary>Source start to first frame: time for every consumer to start and subscribe.</summary>
    public TimeSpan BaseStartDelay { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Added to the start delay per consumer (they start at once on few cores).</summary>
    public TimeSpan StartDelayPerConsumer { get; init; } = TimeSpan.FromSeconds(0.5);

    /// <summary>After the source's end, before the consumers are interrupted.</summary>
    public TimeSpan Drain { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan StartDelay(int consumers) => BaseStartDelay + StartDelayPerConsumer * consumers;
}

/// <summary>A trial could not be set up (a program failing, too short a start delay): it runs again once, then its cell's search stops with this message.</summary>
internal sealed class BenchSetupException(string message) : Exception(message);
