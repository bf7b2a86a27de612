using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;

namespace Epics.Pva.Benchmarks;

/// <summary>Image bytes of the case's <see cref="FrameCase"/> divided by the mean time: the figure the targets are in.</summary>
public sealed class GigabytesPerSecondColumn : IColumn
{
    /// <inheritdoc />
    public string Id => nameof(GigabytesPerSecondColumn);

    /// <inheritdoc />
    public string ColumnName => "GB/s";

    /// <inheritdoc />
    public bool AlwaysShow => true;

    /// <inheritdoc />
    public ColumnCategory Category => ColumnCategory.Custom;

    /// <inheritdoc />
    public int PriorityInCategory => 0;

    /// <inheritdoc />
    public bool IsNumeric => true;

    /// <inheritdoc />
    public UnitType UnitType => UnitType.Dimensionless;

    /// <inheritdoc />
    public string Legend => "Image bytes per second (10^9), from the mean";

    /// <inheritdoc />
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    /// <inheritdoc />
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var frame = benchmarkCase.Parameters.Items.Select(p => p.Value).OfType<FrameCase>().FirstOrDefault();
        var mean = summary[benchmarkCase]?.ResultStatistics?.Mean;
        if (frame is null || mean is not > 0)
        {
            return "-";
        }

        return (frame.ImageBytes / mean.Value).ToString("F2", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <inheritdoc />
    public bool IsAvailable(Summary summary) => true;

    /// <inheritdoc />
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}
