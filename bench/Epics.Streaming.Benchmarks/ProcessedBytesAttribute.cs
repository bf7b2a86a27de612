namespace Epics.Streaming.Benchmarks;

/// <summary>How many payload bytes one call of the benchmark method processes, for <see cref="MegabytesPerSecondColumn"/>.</summary>
/// <param name="bytes">The bytes per operation.</param>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ProcessedBytesAttribute(long bytes) : Attribute
{
    /// <summary>The bytes per operation.</summary>
    public long Bytes { get; } = bytes;
}
