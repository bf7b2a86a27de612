using Epics.Streaming.Consumer;
using Epics.Streaming.Processing;
using Pvstream.Streaming;

namespace Pvstream.Cli.Tests;

/// <summary>The pieces of <c>--n-consumers</c> that need no process: the id list, the child's messages, the combined statistics.</summary>
public sealed class ConsumerProcessesTests
{
    [Theory]
    [InlineData(null, 1, 1, new[] { 1 })]
    [InlineData(null, 3, 2, new[] { 3, 4 })]
    [InlineData("1,3,5", 9, 9, new[] { 1, 3, 5 })]
    [InlineData("[2, 4]", 1, 1, new[] { 2, 4 })]
    [InlineData("range(1,4)", 1, 1, new[] { 1, 2, 3 })]
    [InlineData("range(1,10,4)", 1, 1, new[] { 1, 5, 9 })]
    [InlineData("range(3)", 1, 1, new[] { 0, 1, 2 })]
    public void Id_lists_follow_the_reference(string? list, int first, int count, int[] expected) =>
        Assert.Equal(expected, ConsumerIdList.Resolve(list, first, count));

    [Theory]
    [InlineData("1,x")]
    [InlineData("range(1,5,0)")]
    [InlineData("[]")]
    public void Bad_id_lists_are_bad_input(string list) =>
        Assert.Equal(ExitCodes.BadInput, Assert.Throws<CliException>(() => ConsumerIdList.Resolve(list, 1, 1)).ExitCode);

    [Fact]
    public void A_childs_final_message_carries_its_statistics()
    {
        var stats = Consumer(7, 100.5, 110.25, 10, 30, 11, queue: new QueueStatistics(5, 1, 4, 0));
        Assert.True(ConsumerChildMessages.TryRead(ConsumerChildMessages.Final("text", stats), out var report, out var final, out var read));
        Assert.Null(report);
        Assert.Equal("text", final);
        Assert.Equal(stats with { User = read!.User }, read);
        Assert.False(ConsumerChildMessages.TryRead("{ 'consumerId': 1 }", out _, out _, out _));
    }

    [Fact]
    public void Combined_statistics_sum_counts_and_span_the_extremes()
    {
        var a = Consumer(1, 100, 110, 1, 19, 10, queue: new QueueStatistics(10, 2, 8, 0));
        var b = Consumer(2, 101, 112, 2, 24, 12, queue: null);
        var idle = Consumer(3, 99, 113, 0, 0, 0, queue: null);
        var c = ConsumerStatistics.Combine([a, b, idle]);
        Assert.Equal(a.Received + b.Received + idle.Received, c.Received);
        Assert.Equal(22, c.Processor.Processed);
        Assert.Equal(a.Processor.ProcessedRate + b.Processor.ProcessedRate, c.Processor.ProcessedRate);
        Assert.Equal(new QueueStatistics(10, 2, 8, 0), c.Queue);
        Assert.Equal(99, c.Processor.StartTime);
        Assert.Equal(113, c.Processor.EndTime);
        Assert.Equal(14, c.Processor.Runtime);
        Assert.Equal(1, c.Processor.FirstObjectId); // the idle consumer's 0 does not count
        Assert.Equal(24, c.Processor.LastObjectId);
        Assert.Equal(b.Processor.LastObjectTime - a.Processor.FirstObjectTime, c.Processor.ReceivingTime);
    }

    private static ConsumerStatistics Consumer(int id, double start, double end, long firstId, long lastId, long processed, QueueStatistics? queue) => new()
    {
        ConsumerId = id,
        Received = processed + 1,
        Overruns = id,
        Published = processed,
        Queue = queue,
        Processor = new ProcessorStatistics
        {
            StartTime = start,
            EndTime = end,
            Runtime = end - start,
            FirstObjectTime = processed == 0 ? 0 : start + 1,
            LastObjectTime = processed == 0 ? 0 : end - 1,
            ReceivingTime = processed == 0 ? 0 : end - start - 2,
            FirstObjectId = firstId,
            LastObjectId = lastId,
            Processed = processed,
            ProcessedRate = processed / 8.0,
            Missed = 0,
        },
    };
}
