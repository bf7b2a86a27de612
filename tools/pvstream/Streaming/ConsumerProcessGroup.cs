using System.Diagnostics;
using System.Globalization;
using Epics.Streaming.Consumer;
using Pvstream.Cli;

namespace Pvstream.Streaming;

/// <summary>
/// <c>--n-consumers N</c> / <c>--consumer-id-list</c> (framework.md §13.3): one child process of this same tool per
/// consumer id, each a whole single consumer with its own server and channels. A child gets the parent's arguments and
/// its id in <see cref="ChildIdVariable"/>; it writes <see cref="ConsumerChildMessages"/> on stdout and stops when it
/// reads <c>stop</c> or the end of stdin (so it never outlives its parent). The parent relays the children's reports,
/// forwards SIGINT/SIGTERM as <c>stop</c>, and at the end prints every final report and the combined statistics.
/// </summary>
internal sealed class ConsumerProcessGroup
{
    /// <summary>Set in a child's environment: its consumer id. A consumer that finds it runs as a child.</summary>
    public const string ChildIdVariable = "PVSTREAM_CONSUMER_CHILD_ID";

    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(15);
    private readonly Action<string> _print;
    private readonly List<Child> _children = [];

    public ConsumerProcessGroup(Action<string> print) => _print = print;

    /// <summary>Runs one child per id until all have ended or <paramref name="ct"/> fires; returns the exit code.</summary>
    public async Task<int> RunAsync(IReadOnlyList<int> ids, IReadOnlyCollection<string> sections, CancellationToken ct)
    {
        foreach (var id in ids)
        {
            _children.Add(Start(id));
        }

        var exits = Task.WhenAll(_children.Select(c => c.Process.WaitForExitAsync(CancellationToken.None)));
        try
        {
            await exits.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await StopAllAsync(exits).ConfigureAwait(false);
        }

        await Task.WhenAll(_children.Select(c => c.Pump)).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        var finals = new List<ConsumerStatistics>();
        var exitCode = ExitCodes.Success;
        foreach (var child in _children)
        {
            if (child.FinalReport is not null && child.FinalStats is not null)
            {
                _print(child.FinalReport);
                finals.Add(child.FinalStats);
            }
            else
            {
                Console.Error.WriteLine($"No stats received from consumer {child.Id}");
            }

            var code = child.Process.HasExited ? child.Process.ExitCode : ExitCodes.Failure;
            if (code != ExitCodes.Success || child.FinalStats is null)
            {
                Console.Error.WriteLine($"Consumer {child.Id} failed (exit code {code})");
                if (exitCode == ExitCodes.Success)
                {
                    exitCode = code != ExitCodes.Success ? code : ExitCodes.Failure; // the first failure's code
                }
            }

            child.Process.Dispose();
        }

        _print("Combined System Stats:");
        _print(ConsumerReport.FormatCombined(ConsumerStatistics.Combine(finals), sections));
        return exitCode;
    }

    private async Task StopAllAsync(Task exits)
    {
        foreach (var child in _children.Where(c => !c.Process.HasExited))
        {
            try
            {
                await child.Process.StandardInput.WriteLineAsync("stop").ConfigureAwait(false);
                await child.Process.StandardInput.FlushAsync().ConfigureAwait(false);
            }
            catch (IOException)
            {
                // It has just exited.
            }
        }

        if (!await exits.WaitAsync(StopGrace, CancellationToken.None).ContinueWith(t => t.IsCompletedSuccessfully, TaskScheduler.Default).ConfigureAwait(false))
        {
            foreach (var child in _children.Where(c => !c.Process.HasExited))
            {
                Console.Error.WriteLine($"Consumer {child.Id} did not stop within {StopGrace.TotalSeconds} s; killing it");
                child.Process.Kill(entireProcessTree: true);
            }
        }
    }

    private Child Start(int id)
    {
        var (program, arguments) = OwnCommandLine();
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment[ChildIdVariable] = id.ToString(CultureInfo.InvariantCulture);
        var process = Process.Start(info) ?? throw new CliException($"Error: could not start consumer {id}");
        var child = new Child(id, process);
        child.Pump = Task.Run(() => PumpAsync(child));
        return child;
    }

    private async Task PumpAsync(Child child)
    {
        while (await child.Process.StandardOutput.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            if (!ConsumerChildMessages.TryRead(line, out var report, out var final, out var stats))
            {
                _print(line);
            }
            else if (report is not null)
            {
                _print(report);
            }
            else
            {
                child.FinalReport = final;
                child.FinalStats = stats;
            }
        }
    }

    // This tool's own command line: the apphost, or `dotnet pvstream.dll`, and the arguments as given.
    private static (string Program, IEnumerable<string> Arguments) OwnCommandLine()
    {
        var args = Environment.GetCommandLineArgs();
        var host = Environment.ProcessPath ?? throw new CliException("Error: cannot tell which program to start for the consumers");
        return Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase)
            ? (host, args)
            : (host, args.Skip(1));
    }

    private sealed class Child(int id, Process process)
    {
        public int Id { get; } = id;

        public Process Process { get; } = process;

        public Task Pump { get; set; } = Task.CompletedTask;

        public string? FinalReport { get; set; }

        public ConsumerStatistics? FinalStats { get; set; }
    }
}
