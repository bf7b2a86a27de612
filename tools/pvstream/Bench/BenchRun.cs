using System.Diagnostics;
using System.Globalization;

namespace Pvstream.Bench;

/// <summary>What one <c>pvstream bench</c> run measures.</summary>
internal sealed record BenchPlan
{
    public required IReadOnlyList<FrameSpec> Frames { get; init; }

    public required IReadOnlyList<int> ConsumerCounts { get; init; }

    public IReadOnlyList<int> MetadataChannels { get; init; } = [0];

    /// <summary>Server queue size for every cell; null takes the reference's per frame size (<see cref="ReferenceQueueSize"/>).</summary>
    public int? ServerQueueSize { get; init; }

    public required SearchOptions Search { get; init; }

    /// <summary>Wall-time budget of the whole run (null: none). Cells not reached are left out; a cell cut short keeps its best rate.</summary>
    public TimeSpan? Budget { get; init; }

    /// <summary>The cells in the order they run: per metadata setting and frame size, consumer counts ascending.</summary>
    public IEnumerable<BenchCell> Cells() =>
        from metadata in MetadataChannels
        from frame in Frames
        from consumers in ConsumerCounts.Order()
        select new BenchCell(frame, consumers, metadata, ServerQueueSize ?? ReferenceQueueSize(frame, metadata));

    /// <summary>
    /// The reference's server queue size for a frame of this size (its tables: 100 for 16.8 MB frames up to 1000 for
    /// 0.26 MB ones, more with metadata), and 1000 (1500 with metadata) for smaller frames.
    /// </summary>
    public static int ReferenceQueueSize(FrameSpec frame, int metadata) => (frame.Bytes, metadata > 0) switch
    {
        ( >= 16_000_000, false) => 100,
        ( >= 16_000_000, true) => 400,
        ( >= 4_000_000, false) => 200,
        ( >= 4_000_000, true) => 600,
        ( >= 3_000_000, false) => 400,
        ( >= 3_000_000, true) => 800,
        ( >= 1_000_000, false) => 500,
        ( >= 1_000_000, true) => 1000,
        (_, false) => 1000,
        (_, true) => 1500,
    };
}

/// <summary>
/// Runs a plan: every cell searched with our programs, and with the reference's when given, in turn; progress on
/// <paramref name="progress"/> (cell, trial, rate, outcome, elapsed and what is left of the budget).
/// </summary>
internal sealed class BenchRun(BenchPlan plan, ITrialRunner ours, ITrialRunner? reference, Action<string> progress)
{
    public async Task<IReadOnlyList<BenchTable.Row>> RunAsync(CancellationToken cancellationToken)
    {
        var cells = plan.Cells().ToList();
        var rows = new List<BenchTable.Row>();
        var clock = Stopwatch.StartNew();
        bool OutOfTime() => plan.Budget is { } b && clock.Elapsed >= b;

        for (var i = 0; i < cells.Count; i++)
        {
            if (OutOfTime())
            {
                progress($"Time budget spent: {cells.Count - i} cell(s) not measured");
                break;
            }

            var cell = cells[i];
            var number = string.Create(CultureInfo.InvariantCulture, $"[cell {i + 1}/{cells.Count}: {cell}]");
            var ourResult = await Search(ours, cell, number, clock, OutOfTime, cancellationToken).ConfigureAwait(false);
            var referenceResult = reference is null ? null : await Search(reference, cell, number, clock, OutOfTime, cancellationToken).ConfigureAwait(false);
            rows.Add(new BenchTable.Row(ourResult, referenceResult));
        }

        return rows;
    }

    private async Task<CellResult> Search(ITrialRunner runner, BenchCell cell, string number, Stopwatch clock, Func<bool> outOfTime, CancellationToken ct)
    {
        var trial = 0;
        var search = new RateSearch(runner, plan.Search, onTrial: r =>
        {
            trial++;
            var outcome = r.Passed ? "pass" : "FAIL: " + r.Failure;
            var left = plan.Budget is { } b ? $", budget left {Clock(b - clock.Elapsed)}" : "";
            progress(string.Create(CultureInfo.InvariantCulture,
                $"{number} {runner.Name} trial {trial}: {r.Spec.Rate:#,0.#} frames/s for {r.Spec.Duration.TotalSeconds:0} s: {outcome} (elapsed {Clock(clock.Elapsed)}{left})"));
        }, outOfTime, onSetupFailure: message => progress($"{number} {runner.Name} trial {trial + 1}: {message}"));
        var result = await search.SearchAsync(cell, ct).ConfigureAwait(false);
        progress(string.Create(CultureInfo.InvariantCulture, $"{number} {runner.Name}: {result.Rate:#,0.#} frames/s lossless; limiter: {result.Limiter}"));
        return result;
    }

    private static string Clock(TimeSpan t) => t < TimeSpan.Zero ? "0s"
        : t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:00}m" : $"{(int)t.TotalMinutes}m{t.Seconds:00}s";
}
