using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Epics.Pva;
using Epics.Pva.Client;

namespace Pvstream.Workflows;

/// <summary>How a run is watched and bounded.</summary>
internal sealed record RunOptions
{
    /// <summary>Stop after this long (overrides the workflow's runtime); null: until the sources finish or Ctrl-C.</summary>
    public TimeSpan? Runtime { get; init; }

    /// <summary>Time each process has to come up.</summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Time each process has to exit after SIGINT before it is killed.</summary>
    public TimeSpan StopGrace { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Seconds between dashboard refreshes.</summary>
    public TimeSpan RefreshPeriod { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// Runs a checked workflow: every process started downstream first (the source last, so nothing is missed at the
/// start) and waited for until its channel answers; the dashboard fed from the status channels; a process that fails
/// reported with its last log lines and restarted when its stage says <c>restart: on-failure</c>; at the end (Ctrl-C,
/// the runtime, or the sources finishing) the stages stopped from the source downstream, each after the one before it
/// has drained, and the final statistics and the verdict written to the run folder.
/// </summary>
internal sealed class WorkflowRunner(Workflow workflow, IReadOnlyList<StagePlan> startOrder, string runFolder, RunOptions options, IWorkflowDashboard dashboard)
{
    private static readonly TimeSpan DrainQuiet = TimeSpan.FromSeconds(1.5);
    private static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(15);
    private readonly List<StageProcess> _processes = [];

    public async Task<int> RunAsync(PvaClientOptions clientOptions, CancellationToken cancellationToken)
    {
        try
        {
            return await RunStagesAsync(clientOptions, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Whatever happened, no stage outlives the runner (they run in sessions of their own).
            foreach (var p in _processes.Where(p => p.Process is not null))
            {
                await p.Process!.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task<int> RunStagesAsync(PvaClientOptions clientOptions, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(runFolder);
        File.Copy(workflow.FilePath, Path.Combine(runFolder, Path.GetFileName(workflow.FilePath)), overwrite: true);
        await using var client = new PvaClient(clientOptions with { SearchMaxInterval = TimeSpan.FromSeconds(1) });
        var clock = Stopwatch.StartNew();
        var stopReason = "";
        try
        {
            foreach (var plan in startOrder)
            {
                foreach (var spec in plan.Processes)
                {
                    var process = new StageProcess(spec, runFolder);
                    _processes.Add(process);
                    process.Start();
                    dashboard.Message($"Started {process.Label} (pid {process.Process!.Id}): pvstream {string.Join(' ', spec.Arguments)}");
                }

                foreach (var process in _processes.Where(p => p.Spec.Stage == plan.Stage))
                {
                    await process.WaitUntilUpAsync(client, options.ReadyTimeout, cancellationToken).ConfigureAwait(false);
                }

                if (plan.Stage.Type == StageType.AdSimServer)
                {
                    await WaitForReadersAsync(client, plan, clock, cancellationToken).ConfigureAwait(false);
                }
            }

            dashboard.Message(string.Create(CultureInfo.InvariantCulture, $"All {_processes.Count} processes up after {clock.Elapsed.TotalSeconds:0.0} s; logs in {runFolder}"));
            stopReason = await WatchAsync(client, Stopwatch.StartNew(), cancellationToken).ConfigureAwait(false);
        }
        catch (WorkflowRunException e)
        {
            stopReason = "a process failed to start";
            dashboard.Message($"Error: {e.Message}");
            _processes.LastOrDefault()?.SetFailure(e.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            stopReason = "interrupted";
        }

        dashboard.Message($"Stopping ({stopReason}): from the source downstream");
        await StopAllAsync(client).ConfigureAwait(false);

        var finals = _processes.AsEnumerable().Reverse().Select(WorkflowVerdict.Final).ToList(); // sources first
        var (good, verdict) = WorkflowVerdict.Judge(startOrder, _processes, finals);
        var json = WorkflowVerdict.Json(workflow, finals, good, verdict);
        await File.WriteAllTextAsync(Path.Combine(runFolder, "statistics.json"), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), CancellationToken.None).ConfigureAwait(false);
        dashboard.Final(finals, verdict, runFolder);
        return good ? 0 : 1;
    }

    // A simulated detector's readers are subscribed once they have its record's initial (empty) value: wait for that,
    // and say so when it came after the first frame (those readers miss frames: the source's start-delay is too short).
    private async Task WaitForReadersAsync(PvaClient client, StagePlan source, Stopwatch clock, CancellationToken cancellationToken)
    {
        var readers = _processes.Where(p => p.Spec.StatusChannel is not null
            && startOrder.First(s => s.Stage == p.Spec.Stage).Uses.Any(u => u.DataIn && source.Hosts.Contains(u.Name))).ToList();
        var started = clock.Elapsed;
        var startDelay = double.TryParse(source.Stage.Option("start-delay"), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : 10.0;
        foreach (var reader in readers)
        {
            while ((reader.Live = await LiveFigures.ReadAsync(client, reader.Spec, cancellationToken).ConfigureAwait(false)).Received < 1)
            {
                if (clock.Elapsed - started > options.ReadyTimeout)
                {
                    throw new WorkflowRunException($"{reader.Label} did not subscribe to {source.Stage.Name} within {options.ReadyTimeout.TotalSeconds:0} s{reader.LastLines()}");
                }

                await Task.Delay(200, cancellationToken).ConfigureAwait(false);
            }
        }

        var waited = (clock.Elapsed - started).TotalSeconds;
        if (readers.Count > 0 && waited > startDelay)
        {
            dashboard.Message(string.Create(CultureInfo.InvariantCulture,
                $"Warning: the readers of {source.Stage.Name} took {waited:0.0} s to subscribe, longer than its start-delay of {startDelay:0.#} s: the first frames may be missed"));
        }
    }

    // Until Ctrl-C, the runtime (counted from when every process is up), or every source has finished; restarts failed
    // processes that may be restarted.
    private async Task<string> WatchAsync(PvaClient client, Stopwatch clock, CancellationToken cancellationToken)
    {
        var runtime = options.Runtime ?? (workflow.Runtime is { } r ? TimeSpan.FromSeconds(r) : null);
        // Sources: stages no frames flow into from anywhere (a simulated detector); the run ends when they have finished.
        var sources = _processes.Where(p => startOrder.First(s => s.Stage == p.Spec.Stage).Uses.All(u => !u.DataIn)).ToList();
        while (true)
        {
            foreach (var p in _processes.Where(p => p.Process is { HasExited: true } && p.Failure is null && !p.Stopping))
            {
                var code = p.Process!.ExitCode;
                if (code == 0)
                {
                    continue; // finished by itself (a source at the end of its runtime, a consumer with --runtime)
                }

                var failure = $"{p.Label} exited with code {code}{p.LastLines()}";
                if (p.Spec.Stage.Restart == RestartPolicy.OnFailure && p.Restarts < p.Spec.Stage.MaxRestarts)
                {
                    dashboard.Message($"{failure}\nRestarting {p.Label} ({p.Restarts + 1} of at most {p.Spec.Stage.MaxRestarts})");
                    await p.RestartAsync().ConfigureAwait(false);
                    continue;
                }

                p.SetFailure(failure);
                dashboard.Message(failure);
                return $"{p.Label} failed";
            }

            if (sources.Count > 0 && sources.All(s => s.Process is { HasExited: true, ExitCode: 0 }))
            {
                return "the source finished";
            }

            if (runtime is { } limit && clock.Elapsed >= limit)
            {
                return string.Create(CultureInfo.InvariantCulture, $"runtime of {limit.TotalSeconds:0.#} s reached");
            }

            foreach (var p in _processes)
            {
                p.Live = await LiveFigures.ReadAsync(client, p.Spec, cancellationToken).ConfigureAwait(false);
            }

            dashboard.Update(_processes, clock.Elapsed);
            await Task.Delay(options.RefreshPeriod, cancellationToken).ConfigureAwait(false);
        }
    }

    // Sources first: each stage is interrupted after the stages feeding it have stopped and it has drained.
    private async Task StopAllAsync(PvaClient client)
    {
        foreach (var plan in startOrder.Reverse())
        {
            var group = _processes.Where(p => p.Spec.Stage == plan.Stage && p.Process is not null).ToList();
            if (group.Count == 0)
            {
                continue;
            }

            await DrainAsync(client, group).ConfigureAwait(false);
            foreach (var p in group)
            {
                p.Stopping = true;
            }

            var stopped = await Task.WhenAll(group.Select(p => p.Process!.InterruptAsync(options.StopGrace))).ConfigureAwait(false);
            for (var i = 0; i < group.Count; i++)
            {
                if (!stopped[i])
                {
                    group[i].SetFailure($"{group[i].Label} did not stop within {options.StopGrace.TotalSeconds:0} s of SIGINT and was killed");
                }
                else if (group[i].Process!.ExitCode is not (0 or 130) && group[i].Failure is null)
                {
                    group[i].SetFailure($"{group[i].Label} exited with code {group[i].Process!.ExitCode}{group[i].LastLines()}");
                }
            }
        }
    }

    // Waits until the group's received counts stop moving (its queues have drained what upstream sent), or a limit.
    private static async Task DrainAsync(PvaClient client, List<StageProcess> group)
    {
        if (group.All(p => p.Spec.StatusChannel is null || p.Process!.HasExited))
        {
            return;
        }

        var limit = Stopwatch.StartNew();
        var quiet = Stopwatch.StartNew();
        var last = -1L;
        while (limit.Elapsed < DrainLimit && quiet.Elapsed < DrainQuiet)
        {
            long total = 0;
            foreach (var p in group.Where(p => !p.Process!.HasExited))
            {
                var live = await LiveFigures.ReadAsync(client, p.Spec, CancellationToken.None).ConfigureAwait(false);
                total += live.Received + live.Processed;
            }

            if (total != last)
            {
                last = total;
                quiet.Restart();
            }

            await Task.Delay(250).ConfigureAwait(false);
        }
    }
}
