using System.Text.Json.Nodes;
using Epics.Pva.Data;
using Microsoft.Extensions.Logging.Abstractions;

namespace Epics.Streaming.Processing.Tests;

/// <summary><see cref="ProcessingController.ReplaceProcessor"/>: the swap of <c>--processor-reload</c>.</summary>
public sealed class ProcessorReplacementTests
{
    private static readonly PvType ObjectType = PvType.Builder().Add("uniqueId", ScalarType.Int).Build();

    private sealed class Recording(string name, List<string> log, bool failStart = false) : UserDataProcessor(new JsonObject())
    {
        public override void Start()
        {
            log.Add($"{name} start");
            if (failStart)
            {
                throw new InvalidOperationException("cannot start");
            }
        }

        public override void Stop() => log.Add($"{name} stop");

        public override PvValue? Process(PvValue value)
        {
            log.Add($"{name} {value["uniqueId"].GetInt64()}");
            return value;
        }
    }

    private static PvValue Object(int id)
    {
        var v = new PvValue(ObjectType);
        v["uniqueId"].Set(id);
        return v;
    }

    [Fact]
    public void The_new_processor_takes_over_between_two_objects_and_the_counters_go_on()
    {
        var log = new List<string>();
        var c = new ProcessingController(new Recording("a", log), new ObjectIdTracker(), NullLogger.Instance);
        c.Processor.ProcessorId = 7;
        c.Start();
        using (var first = Object(1))
        {
            c.Handle(first);
        }

        var b = new Recording("b", log);
        c.ReplaceProcessor(b);
        using (var third = Object(3))
        {
            c.Handle(third);
        }

        Assert.Same(b, c.Processor);
        Assert.Equal(7, b.ProcessorId);
        Assert.Equal(["a start", "a 1", "a stop", "b start", "b 3"], log);
        var s = c.GetStatistics();
        Assert.Equal(2, s.Processed);
        Assert.Equal(1, s.Missed);
    }

    [Fact]
    public void A_processor_that_does_not_start_leaves_the_old_one_running()
    {
        var log = new List<string>();
        var a = new Recording("a", log);
        var c = new ProcessingController(a, new ObjectIdTracker(), NullLogger.Instance);
        c.Start();
        Assert.Throws<InvalidOperationException>(() => c.ReplaceProcessor(new Recording("b", log, failStart: true)));
        using (var one = Object(1))
        {
            c.Handle(one);
        }

        Assert.Same(a, c.Processor);
        Assert.Equal(["a start", "a stop", "b start", "a start", "a 1"], log);
    }
}
