using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Epics.Streaming.Benchmarks;

/// <summary>A short in-process job plus the MB/s column; <c>--job short</c> on the command line adds its own job.</summary>
public sealed class QuickConfig : ManualConfig
{
    /// <summary>Creates the config.</summary>
    public QuickConfig()
    {
        // In-process: no per-run project build, which times out on a busy 2-core machine.
        AddJob(Job.Default.WithId("Quick").WithLaunchCount(1).WithWarmupCount(4).WithIterationCount(10)
            .WithToolchain(InProcessEmitToolchain.Instance));
        AddColumn(new MegabytesPerSecondColumn());
    }
}
