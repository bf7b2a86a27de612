using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Epics.Pva.Benchmarks;

/// <summary>A short in-process job (the numbers are stable enough for copies of megabytes) plus the GB/s column.</summary>
public sealed class QuickConfig : ManualConfig
{
    /// <summary>Creates the config.</summary>
    public QuickConfig()
    {
        // In-process: no per-run project build (which times out on a busy 2-core machine) and a shorter run.
        AddJob(Job.Default.WithId("Quick").WithLaunchCount(1).WithWarmupCount(4).WithIterationCount(10)
            .WithToolchain(InProcessEmitToolchain.Instance));
        AddColumn(new GigabytesPerSecondColumn());
        WithSummaryStyle(SummaryStyle.Default.WithMaxParameterColumnWidth(30));
    }
}
