using System.Globalization;
using Epics.Pva.Client;
using Pvstream.Cli;
using Pvstream.Streaming;

namespace Pvstream.Workflows;

/// <summary>
/// One running process of a stage, as the runner tracks it: the process (restarted in place when its stage asks), its
/// log file in the run folder, its live figures from its status channel, and its final statistics from its last report.
/// </summary>
internal sealed class StageProcess(StageProcessSpec spec, string runFolder)
{
    private ChildProcess? _process;

    public StageProcessSpec Spec { get; } = spec;

    public string Label => Spec.Label;

    public ChildProcess? Process => _process;

    /// <summary>Times the process was started again after a failure.</summary>
    public int Restarts { get; private set; }

    /// <summary>The process was stopped by the runner (not a failure when it exits).</summary>
    public bool Stopping { get; set; }

    /// <summary>Why the process failed (exit code and last lines), when it did.</summary>
    public string? Failure { get; private set; }

    public void SetFailure(string failure) => Failure ??= failure;

    /// <summary>The latest figures read from the status channel (or the source's channel).</summary>
    public LiveFigures Live { get; set; } = LiveFigures.None;

    public string LogPath => Path.Combine(runFolder, Label + ".log");

    public void Start()
    {
        var log = new StreamWriter(LogPath, append: true) { AutoFlush = true };
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# {DateTime.Now:O} pvstream {string.Join(' ', Spec.Arguments)}"));
        var info = SelfCommand.StartInfo(Spec.Arguments, ownSession: true);
        info.WorkingDirectory = runFolder;
        _process = ChildProcess.Start(Label, info, new Dictionary<string, string>(), log);
    }

    public async Task RestartAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync().ConfigureAwait(false);
        }

        Restarts++;
        Start();
    }

    /// <summary>Waits until the process is up: its status (or source) channel answers, or the mirror says it started.</summary>
    public async Task WaitUntilUpAsync(PvaClient client, TimeSpan limit, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limit);
        try
        {
            while (true)
            {
                if (_process!.HasExited)
                {
                    throw new WorkflowRunException($"{Label} exited with code {_process.ExitCode} while starting{LastLines()}");
                }

                if (Spec.ReadyChannel is { } channel)
                {
                    using var attempt = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
                    attempt.CancelAfter(TimeSpan.FromSeconds(1));
                    try
                    {
                        await client.GetAsync(channel, "field()", attempt.Token).ConfigureAwait(false);
                        return;
                    }
                    catch (OperationCanceledException) when (!timeout.IsCancellationRequested)
                    {
                        continue;
                    }
                }

                if (_process.Output.Contains("Started mirror server", StringComparison.Ordinal))
                {
                    return;
                }

                await Task.Delay(100, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new WorkflowRunException($"{Label} was not up within {limit.TotalSeconds:0} s{(Spec.ReadyChannel is { } c ? $" (its channel {c} did not answer)" : "")}{LastLines()}");
        }
    }

    public string LastLines(int count = 10)
    {
        var lines = _process?.LastLines(count) ?? [];
        return lines.Count == 0 ? "" : $"; last lines of {LogPath}:\n    " + string.Join("\n    ", lines);
    }
}

/// <summary>A stage process could not start or failed in a way that ends the run.</summary>
internal sealed class WorkflowRunException(string message) : Exception(message);
