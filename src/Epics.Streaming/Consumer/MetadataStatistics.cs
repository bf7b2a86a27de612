using Epics.Streaming.Processing;

namespace Epics.Streaming.Consumer;

/// <summary>One metadata channel's statistics (framework.md §3.2 <c>metadataStats_N</c>, §8).</summary>
/// <param name="ProducerId">The channel's number, 1..M in list order.</param>
/// <param name="Channel">The channel name without <c>pva://</c> or <c>ca://</c>.</param>
/// <param name="Received">Monitor updates received.</param>
/// <param name="Overruns">Updates that arrived merged with others.</param>
/// <param name="Queue">The channel's queue counters.</param>
public sealed record MetadataStatistics(int ProducerId, string Channel, long Received, long Overruns, QueueStatistics Queue);
