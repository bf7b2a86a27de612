using System.Text.Json.Nodes;
using Epics.Pva.Data;
using Epics.Pva.Data.NT;
using Epics.Streaming.Codecs;
using Microsoft.Extensions.Logging.Abstractions;

namespace Epics.Streaming.Processing.Tests;

public sealed class ProcessorTests
{
    private sealed class ListPublisher : IDataPublisher
    {
        public List<int> Ids { get; } = [];

        public long Published => Ids.Count;

        public long Errors => 0;

        public void UpdateOutputChannel(PvValue value) => Ids.Add(new NTNDArray(value).UniqueId);
    }

    private sealed class Throwing(JsonObject c) : UserDataProcessor(c)
    {
        public override PvValue? Process(PvValue value) => throw new InvalidOperationException("always");
    }

    private static PvValue Frame(int id, byte fill = 1)
    {
        var frame = NTNDArray.Create(new ImageShape(4, 3), ScalarType.UByte);
        frame.GetWritableImage<byte>().GetWritablePixels().Fill(fill);
        frame.UniqueId = id;
        return frame.Structure;
    }

    [Fact]
    public void The_configuration_carries_the_system_keys()
    {
        var p = new UserDataProcessor(new JsonObject { ["processorId"] = 3, ["objectIdField"] = "objectId", ["outputChannel"] = "x:3:output", ["inputChannel"] = "in", ["x"] = 100 });
        Assert.Equal(3, p.ProcessorId);
        Assert.Equal("objectId", p.ObjectIdField);
        Assert.Equal("x:3:output", p.OutputChannel);
        Assert.Equal("in", p.InputChannel);
        Assert.Equal(100, p.Configuration["x"]!.GetValue<int>());
    }

    [Fact]
    public void The_passthrough_publishes_what_is_not_skipped_and_counts_misses()
    {
        var publisher = new ListPublisher();
        var p = new UserDataProcessor(new JsonObject { ["outputChannel"] = "out" });
        var c = new ProcessingController(p, new ObjectIdTracker(1, 1, skipInitialUpdates: 1), NullLogger.Instance, _ => publisher);
        c.Start();
        foreach (var id in new[] { 1, 2, 3, 5, 6 })
        {
            using var f = Frame(id);
            c.Handle(f);
        }

        Assert.Equal([2, 3, 5, 6], publisher.Ids);
        var s = c.GetStatistics();
        Assert.Equal(4, s.Processed);
        Assert.Equal(1, s.Missed);
        Assert.Equal(2, s.FirstObjectId);
        Assert.Equal(6, s.LastObjectId);
        c.ResetStats();
        Assert.Equal(0, c.GetStatistics().Processed);
        Assert.Equal(0, c.GetStatistics().FirstObjectId);
    }

    [Fact]
    public void Processor_exceptions_are_counted_and_the_stream_goes_on()
    {
        var c = new ProcessingController(new Throwing([]), new ObjectIdTracker(), NullLogger.Instance);
        c.Start();
        for (var i = 1; i <= 5; i++)
        {
            using var f = Frame(i);
            Assert.False(c.Handle(f));
        }

        var s = c.GetStatistics();
        Assert.Equal(5, s.Errors);
        Assert.Equal(0, s.Processed);
        Assert.Equal(5, s.LastObjectId);
    }

    [Fact]
    public void Configure_system_keys_change_the_tracking()
    {
        var tracker = new ObjectIdTracker();
        var c = new ProcessingController(new UserDataProcessor(), tracker, NullLogger.Instance);
        c.ApplySystemKeys(new JsonObject { ["objectIdOffset"] = "25", ["nSequentialUpdates"] = 2, ["skipInitialUpdates"] = 4.0 });
        Assert.Equal(25, tracker.ObjectIdOffset);
        Assert.Equal(2, tracker.SequentialUpdates);
        Assert.Equal(4, tracker.SkipInitialUpdates);
    }

    [Fact]
    public void Image_helpers_read_decode_build_and_replace_frames()
    {
        using var frame = Frame(9, fill: 5);
        var info = AdImageProcessor.Describe(frame);
        Assert.Equal(new AdImageInfo(9, new ImageShape(4, 3), ScalarType.UByte, "ubyteValue"), info);

        NdArrayCodec.Compress(frame, "lz4");
        var pixels = AdImageProcessor.GetImage<byte>(frame);
        Assert.Equal(12, pixels.Pixels.Length);
        Assert.All(pixels.Pixels.ToArray(), b => Assert.Equal(5, b));

        var rotated = PvArray.Allocate(ScalarType.UByte, 12);
        AdImageProcessor.ReplaceNtNdArrayImage2D(frame, 10, rotated, new ImageShape(3, 4));
        var nd = new NTNDArray(frame);
        Assert.Equal(10, nd.UniqueId);
        Assert.Equal(new ImageShape(3, 4), nd.ImageShape);
        Assert.True(nd.TimeStamp.SecondsPastEpoch > 0);

        using var built = AdImageProcessor.GenerateNtNdArray2D(1, PvArray.Wrap(new ushort[6]), new ImageShape(3, 2));
        Assert.Equal("ushortValue", AdImageProcessor.Describe(built).DataFieldKey);
        Assert.NotNull(new AdImageProcessor().GetInputPvObjectType());
        Assert.Null(new UserDataProcessor().GetInputPvObjectType());
    }

    [Fact]
    public void Built_ins_resolve_under_our_names_and_the_reference_names()
    {
        Assert.IsType<UserDataProcessor>(BuiltInProcessors.Find("pvapy.hpc.userDataProcessor.UserDataProcessor")!([]));
        Assert.IsType<AdImageProcessor>(BuiltInProcessors.Find("pvapy.hpc.adImageProcessor.AdImageProcessor")!([]));
        Assert.IsType<AdImageProcessor>(BuiltInProcessors.Find("AdImageProcessor")!([]));
        Assert.Null(BuiltInProcessors.Find("NoSuchProcessor"));
    }

    [Fact]
    public void Unit_values_print_as_the_reference_does()
    {
        Assert.Equal("12.3457Hz", new UnitValue(12.345678, "Hz").ToString());
        Assert.Equal("0.0s", new UnitValue(0, "s").ToString());
    }
}
