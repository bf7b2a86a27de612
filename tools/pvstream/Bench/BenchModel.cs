using System.Globalization;
using Pvstream.Cli;

namespace Pvstream.Bench;

/// <summary>One simulated frame shape: width, height and element type (mono).</summary>
internal sealed record FrameSpec(int Nx, int Ny, string DataType)
{
    private static readonly Dictionary<string, int> ElementSizes = new(StringComparer.Ordinal)
    {
        ["int8"] = 1, ["uint8"] = 1, ["int16"] = 2, ["uint16"] = 2, ["int32"] = 4, ["uint32"] = 4,
        ["int64"] = 8, ["uint64"] = 8, ["float32"] = 4, ["float64"] = 8,
    };

    /// <summary>Bytes of one frame.</summary>
    public long Bytes => (long)Nx * Ny * ElementSizes[DataType];

    /// <summary>As the reference's table headings write it: <c>1024 x 1024 (uint8, 1.05 MB)</c>.</summary>
    public string Heading => string.Create(CultureInfo.InvariantCulture, $"{Nx} x {Ny} ({DataType}, {Bytes / 1e6:0.00} MB)");

    /// <summary>Short form used in file names, plots and CSV: <c>1024x1024 uint8</c>.</summary>
    public string Label => string.Create(CultureInfo.InvariantCulture, $"{Nx}x{Ny} {DataType}");

    /// <summary>Parses <c>NXxNY</c> or <c>NXxNY:type</c>; the type defaults to <paramref name="defaultType"/>.</summary>
    public static FrameSpec Parse(string text, string defaultType)
    {
        var parts = text.Trim().Split(':', 2);
        var size = parts[0].Split('x', 'X');
        var type = parts.Length > 1 ? parts[1].Trim() : defaultType;
        if (size.Length != 2
            || !int.TryParse(size[0], NumberStyles.None, CultureInfo.InvariantCulture, out var nx)
            || !int.TryParse(size[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ny)
            || nx <= 0 || ny <= 0)
        {
            throw new CliException($"Error: frame size '{text}' is not NXxNY (e.g. 1024x1024 or 1536x1024:int16)", ExitCodes.BadInput);
        }

        if (!ElementSizes.ContainsKey(type))
        {
            throw new CliException($"Error: data type '{type}' is not one of {string.Join(", ", ElementSizes.Keys)}", ExitCodes.BadInput);
        }

        return new FrameSpec(nx, ny, type);
    }
}

/// <summary>One cell of a table: a frame shape, a consumer count, metadata channels and the server queue size.</summary>
internal sealed record BenchCell(FrameSpec Frame, int Consumers, int MetadataChannels, int ServerQueueSize)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Frame.Label}, {Consumers} consumer{(Consumers == 1 ? "" : "s")}{(MetadataChannels > 0 ? $", {MetadataChannels} metadata channels" : "")}");
}

/// <summary>One trial: a fresh source and fresh consumers, the source paced at <see cref="Rate"/> for <see cref="Duration"/>.</summary>
internal sealed record TrialSpec(BenchCell Cell, double Rate, TimeSpan Duration);

/// <summary>What one process of a trial used: CPU seconds over its wall time, and its peak resident memory.</summary>
internal sealed record ProcessUsage(string Name, double CpuSeconds, double WallSeconds, long PeakWorkingSetBytes)
{
    /// <summary>Average number of cores the process kept busy.</summary>
    public double Cores => WallSeconds > 0 ? CpuSeconds / WallSeconds : 0;
}

/// <summary>What the consumers of a trial reported at the end, summed over consumers.</summary>
internal sealed record ConsumerTotals(long Received, long Processed, long Missed, long Rejected, long Overruns, long MetadataReceived)
{
    public static ConsumerTotals Zero { get; } = new(0, 0, 0, 0, 0, 0);

    public ConsumerTotals Add(ConsumerTotals o) => new(Received + o.Received, Processed + o.Processed, Missed + o.Missed,
        Rejected + o.Rejected, Overruns + o.Overruns, MetadataReceived + o.MetadataReceived);
}

/// <summary>The outcome of one trial. <see cref="Failure"/> says why it did not pass (null when it passed).</summary>
internal sealed record TrialResult(
    TrialSpec Spec,
    long Published,
    double PublishedRate,
    ConsumerTotals Consumers,
    IReadOnlyList<ProcessUsage> Processes,
    string? Failure)
{
    public bool Passed => Failure is null;

    /// <summary>The source process (the first in <see cref="Processes"/>), if it was measured.</summary>
    public ProcessUsage? Source => Processes.Count > 0 ? Processes[0] : null;

    /// <summary>The consumer processes.</summary>
    public IEnumerable<ProcessUsage> ConsumerProcesses => Processes.Skip(1);
}

/// <summary>The search result of one cell for one implementation.</summary>
internal sealed record CellResult(BenchCell Cell, string Implementation, TrialResult? Best, TrialResult? FirstFailure, int Trials, string Limiter)
{
    /// <summary>The highest lossless rate found (0 when none passed).</summary>
    public double Rate => Best?.Spec.Rate ?? 0;
}
