using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;

namespace Epics.Pva.Benchmarks;

/// <summary>A short job (the numbers are stable enough for copies of megabytes) plus the GB/s column.</summary>
public sealed class QuickConfig : ManualConfig
{
    /// <summary>Creates the config.</summary>
    public QuickConfig()
    {
        AddJob(Job.Default.WithId("Quick").WithLaunchCount(1).WithWarmupCount(4).WithIterationCount(10));
        AddColumn(new GigabytesPerSecondColumn());
        WithSummaryStyle(SummaryStyle.Default.WithMaxParameterColumnWidth(30));
    }
}
