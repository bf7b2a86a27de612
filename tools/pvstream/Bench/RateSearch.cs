namespace Pvstream.Bench;

/// <summary>Runs one trial: a fresh source and fresh consumers at one rate.</summary>
internal interface ITrialRunner
{
    /// <summary>The implementation measured (<c>pvstream</c>, <c>pvapy</c>).</summary>
    string Name { get; }

    Task<TrialResult> RunAsync(TrialSpec spec, CancellationToken cancellationToken);
}

/// <summary>How the highest lossless rate of a cell is searched.</summary>
internal sealed record SearchOptions
{
    /// <summary>First rate tried (frames/s); null picks one from the frame size.</summary>
    public double? StartRate { get; init; }

    /// <summary>No trial goes above this rate.</summary>
    public double MaxRate { get; init; } = 200_000;

    /// <summary>Below this rate the search gives up on a cell.</summary>
    public double MinRate { get; init; } = 1;

    /// <summary>Refinement stops when the failing rate is within this fraction above the passing one.</summary>
    public double Precision { get; init; } = 0.1;

    /// <summary>At most this many trials per cell.</summary>
    public int MaxTrials { get; init; } = 8;

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The first rate for <paramref name="frame"/>: about 0.5 GB/s, between 10 and 10,000 frames/s.</summary>
    public double FirstRate(FrameSpec frame) =>
        Math.Min(MaxRate, RateSearch.Round(StartRate ?? Math.Clamp(0.5e9 / frame.Bytes, 10, 10_000)));
}

/// <summary>
/// Finds the highest rate a cell sustains with nothing lost: doubling from the first rate until a trial fails (or
/// halving until one passes), then bisecting between the last pass and the first failure. Rates are rounded to two
/// significant digits, as the reference's tables are. Every trial starts fresh processes.
/// </summary>
internal sealed class RateSearch(ITrialRunner runner, SearchOptions options, Action<TrialResult>? onTrial = null, Func<bool>? outOfTime = null,
    Action<string>? onSetupFailure = null)
{
    private readonly Func<bool> _outOfTime = outOfTime ?? (() => false);

    public async Task<CellResult> SearchAsync(BenchCell cell, CancellationToken cancellationToken)
    {
        TrialResult? best = null, fail = null;
        var trials = 0;
        var stoppedBy = "";
        string? setupFailure = null; // the processes of a trial did not come up, twice in a row

        async Task<TrialResult?> Try(double rate)
        {
            if (setupFailure is not null)
            {
                return null;
            }

            if (trials >= options.MaxTrials)
            {
                stoppedBy = "trial limit";
                return null;
            }

            if (_outOfTime())
            {
                stoppedBy = "time budget";
                return null;
            }

            trials++;
            var spec = new TrialSpec(cell, rate, options.Duration);
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    var result = await runner.RunAsync(spec, cancellationToken).ConfigureAwait(false);
                    onTrial?.Invoke(result);
                    return result;
                }
                catch (BenchSetupException e)
                {
                    var reason = e.Message.Split('\n')[0];
                    if (attempt == 1)
                    {
                        // Processes that were slow to come up (a busy machine, a cold start) say nothing about the
                        // rate: the trial runs again once.
                        onSetupFailure?.Invoke($"{reason}; trying again");
                        continue;
                    }

                    // Twice in a row: the cell keeps what it measured, and the run goes on to the next one.
                    setupFailure = reason;
                    onSetupFailure?.Invoke(e.Message);
                    return null;
                }
            }
        }

        // Up by doubling while trials pass.
        var next = options.FirstRate(cell.Frame);
        while (await Try(next).ConfigureAwait(false) is { } r)
        {
            if (!r.Passed)
            {
                fail = r;
                break;
            }

            best = r;
            if (next >= options.MaxRate)
            {
                stoppedBy = "maximum rate";
                break;
            }

            next = Math.Min(options.MaxRate, Round(next * 2));
        }

        // Down by halving when the first rate already failed.
        while (best is null && fail is not null)
        {
            next = Round(fail.Spec.Rate / 2);
            if (next < options.MinRate || next >= fail.Spec.Rate || await Try(next).ConfigureAwait(false) is not { } r)
            {
                break;
            }

            if (r.Passed)
            {
                best = r;
            }
            else
            {
                fail = r;
            }
        }

        // Bisect between the last pass and the first failure.
        while (best is not null && fail is not null && fail.Spec.Rate > best.Spec.Rate * (1 + options.Precision))
        {
            next = Round((best.Spec.Rate + fail.Spec.Rate) / 2);
            if (next <= best.Spec.Rate || next >= fail.Spec.Rate || await Try(next).ConfigureAwait(false) is not { } r)
            {
                break;
            }

            if (r.Passed)
            {
                best = r;
            }
            else
            {
                fail = r;
            }
        }

        var limiter = setupFailure is not null
            ? $"search cut short by a setup failure: {setupFailure}" + (fail is not null ? $"; first failure: {Limiter.Describe(fail)}" : "")
            : fail is not null ? Limiter.Describe(fail)
            : best is not null ? $"not found: every trial passed (stopped by the {stoppedBy})"
            : $"no trial ran ({stoppedBy})";
        return new CellResult(cell, runner.Name, best, fail, trials, limiter);
    }

    /// <summary><paramref name="rate"/> to two significant digits (3,249 → 3,200; 152 → 150; 7.44 → 7.4).</summary>
    public static double Round(double rate)
    {
        if (rate <= 0)
        {
            return 0;
        }

        var step = Math.Pow(10, Math.Floor(Math.Log10(rate)) - 1);
        return Math.Round(Math.Round(rate / step) * step, 6);
    }
}
