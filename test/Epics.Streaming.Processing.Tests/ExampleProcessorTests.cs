using System.Text.Json.Nodes;
using Epics.Pva.Data;
using Epics.Pva.Data.NT;
using Epics.Streaming.Processors.Loading;

namespace Epics.Streaming.Processing.Tests;

/// <summary>
/// The example processors of examples/processors, compiled from their source as <c>--processor-file</c> does and run on
/// frames: the moving average, split and stitch (a bit-for-bit round trip for several grids, pixel types and colour
/// modes) and the metadata association of framework.md §8.1.
/// </summary>
public sealed class ExampleProcessorTests : IDisposable
{
    private readonly string _scratch = RepoFiles.NewScratchDirectory();

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    private sealed class KeepingPublisher : IDataPublisher
    {
        public List<PvValue> Values { get; } = [];

        public long Published => Values.Count;

        public long Errors => 0;

        public void UpdateOutputChannel(PvValue value) => Values.Add(value.Clone());
    }

    private UserDataProcessor Load(string name, JsonObject? configuration = null, KeepingPublisher? publisher = null)
    {
        var factory = ProcessorLoader.Resolve([RepoFiles.Example(name + ".cs")], name, Path.Combine(_scratch, "cache"));
        var c = configuration ?? [];
        c["outputChannel"] = "out";
        var p = factory(c);
        p.DataPublisher = publisher;
        p.ResetStats();
        p.Start();
        return p;
    }

    private static PvValue Frame<T>(int id, ImageShape shape, Func<int, T> pixel, PvTimeStamp? stamp = null)
        where T : unmanaged
    {
        var frame = NTNDArray.Create(shape, ScalarTypes.Of<T>());
        var pixels = frame.GetWritableImage<T>().GetWritablePixels();
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = pixel(i);
        }

        frame.UniqueId = id;
        frame.TimeStamp = stamp ?? PvTimeStamp.Now();
        frame.DataTimeStamp = frame.TimeStamp;
        return frame.Structure;
    }

    [Fact]
    public void The_moving_average_publishes_the_mean_of_the_latest_images()
    {
        var publisher = new KeepingPublisher();
        var p = Load("HpcAdImageMovingAverageProcessor", new JsonObject { ["nImages"] = 2 }, publisher);
        var shape = new ImageShape(3, 2);
        foreach (var (id, level) in new[] { (1, 10), (2, 20), (3, 41) })
        {
            using var f = Frame(id, shape, i => (ushort)(level + i));
            p.Process(f);
        }

        Assert.Equal([10, 11, 12, 13, 14, 15], new NTNDArray(publisher.Values[0]).GetImage<ushort>().Pixels.ToArray().Select(v => (int)v));
        Assert.Equal([15, 16, 17, 18, 19, 20], new NTNDArray(publisher.Values[1]).GetImage<ushort>().Pixels.ToArray().Select(v => (int)v));
        Assert.Equal([30, 31, 32, 33, 34, 35], new NTNDArray(publisher.Values[2]).GetImage<ushort>().Pixels.ToArray().Select(v => (int)v)); // (20 + 41) / 2 truncated
        Assert.Equal(3, new NTNDArray(publisher.Values[2]).UniqueId);
        Assert.Equal(3L, p.GetStats()["nProcessed"]);

        p.Configure(new JsonObject { ["nImages"] = 0 }); // refused: the average stays over 2 images
        Assert.Equal(2, (int)p.GetType().GetProperty("ImageCount")!.GetValue(p)!);
        publisher.Values.ForEach(v => v.Dispose());
    }

    public static TheoryData<int, int, string, int> Grids => new()
    {
        { 2, 2, "uint8", 0 },
        { 3, 2, "uint8", 0 },
        { 4, 4, "uint8", 0 },
        { 2, 2, "uint16", 0 },
        { 3, 2, "uint16", 0 },
        { 4, 4, "uint16", 0 },
        { 2, 2, "float32", 0 },
        { 3, 2, "float32", 0 },
        { 4, 4, "float32", 0 },
        { 3, 2, "uint8", (int)NDColorMode.RGB1 },
        { 3, 2, "uint16", (int)NDColorMode.RGB2 },
        { 4, 4, "float32", (int)NDColorMode.RGB3 },
    };

    [Theory]
    [MemberData(nameof(Grids))]
    public void Split_then_stitch_gives_back_the_frame_bit_for_bit(int columns, int rows, string pixelType, int colorMode)
    {
        var mode = (NDColorMode)colorMode;
        foreach (var (nx, ny) in new[] { (48, 36), (50, 37) }) // divisible by the grid, and not
        {
            var shape = new ImageShape(nx, ny, mode);
            var tileNx = (nx + columns - 1) / columns;
            var tileNy = (ny + rows - 1) / rows;
            var tiles = new KeepingPublisher();
            var split = Load("SplitAdImageProcessor", new JsonObject { ["nx"] = tileNx, ["ny"] = tileNy }, tiles);
            var frames = new KeepingPublisher();
            var stitch = Load("StitchAdImageProcessor", [], frames);
            var originals = new List<PvValue>();
            for (var id = 1; id <= 3; id++)
            {
                var frame = pixelType switch
                {
                    "uint8" => Frame(id, shape, i => (byte)((i * 7) + id)),
                    "uint16" => Frame(id, shape, i => (ushort)((i * 257) + id)),
                    _ => Frame(id, shape, i => (i * 0.37f) - id),
                };
                originals.Add(frame.Clone());
                split.Process(frame);
                frame.Dispose();
            }

            Assert.Equal(3 * columns * rows, tiles.Values.Count);
            Assert.Equal(tiles.Values.Count, tiles.Values.Select(t => new NTNDArray(t).TimeStamp).Distinct().Count()); // a distributor tells them apart
            var random = new Random(columns * 10 + rows);
            foreach (var tile in tiles.Values.Chunk(columns * rows).SelectMany(frameTiles => frameTiles.OrderBy(_ => random.Next())))
            {
                stitch.Process(tile);
                tile.Dispose();
            }

            Assert.Equal(3, frames.Values.Count);
            for (var i = 0; i < 3; i++)
            {
                var original = new NTNDArray(originals[i]);
                var stitched = new NTNDArray(frames.Values[i]);
                Assert.Equal(original.UniqueId, stitched.UniqueId);
                Assert.Equal(original.ImageShape, stitched.ImageShape);
                Assert.Equal(original.Image.ElementType, stitched.Image.ElementType);
                Assert.True(original.Image.Bytes.SequenceEqual(stitched.Image.Bytes), $"frame {i + 1} of {shape} {pixelType} differs after stitching");
                Assert.Equal(original.DataTimeStamp, stitched.DataTimeStamp);
            }

            var stats = stitch.GetStats();
            Assert.Equal(3L, stats["nFramesStitched"]);
            Assert.Equal(0L, stats["nFramesMissed"]);
            Assert.Equal(0L, stats["nTilesDiscarded"]);
            originals.ForEach(o => o.Dispose());
            frames.Values.ForEach(v => v.Dispose());
            stitch.Stop();
        }
    }

    [Fact]
    public void Stitching_gives_up_incomplete_frames_and_counts_missed_ones()
    {
        var tiles = new KeepingPublisher();
        var split = Load("SplitAdImageProcessor", new JsonObject { ["nx"] = 4, ["ny"] = 4 }, tiles);
        var frames = new KeepingPublisher();
        var stitch = Load("StitchAdImageProcessor", [], frames);
        foreach (var id in new[] { 1, 2, 3, 5 })
        {
            using var f = Frame(id, new ImageShape(8, 4), i => (byte)i);
            split.Process(f);
        }

        // Frame 2 loses a tile, frame 3 comes whole, 4 never came; a tile of frame 1 arrives after frame 3 is out.
        var byFrame = tiles.Values.GroupBy(t => new NTNDArray(t).UniqueId).ToDictionary(g => g.Key, g => g.ToList());
        foreach (var t in byFrame[1].Take(1).Concat(byFrame[2].Take(1)).Concat(byFrame[3]).Concat(byFrame[1].Skip(1)).Concat(byFrame[5]))
        {
            stitch.Process(t);
        }

        Assert.Equal([3, 5], frames.Values.Select(v => new NTNDArray(v).UniqueId));
        var stats = stitch.GetStats();
        Assert.Equal(1L, stats["nFramesMissed"]); // 4
        Assert.Equal(3L, stats["nTilesDiscarded"]); // frame 1's first tile, frame 2's, and frame 1's late one
        Assert.Equal(7L, stats["nTilesReceived"]);
        tiles.Values.ForEach(v => v.Dispose());
        frames.Values.ForEach(v => v.Dispose());
    }

    [Fact]
    public void Metadata_is_attached_by_time_stamp_within_the_tolerance_and_old_values_are_discarded()
    {
        var frames = new KeepingPublisher();
        var p = Load("HpcAdMetadataProcessor", new JsonObject { ["timestampTolerance"] = 0.001, ["metadataTimestampOffset"] = 0.0 }, frames);
        var x = new PvObjectQueue();
        var y = new PvObjectQueue();
        p.MetadataQueues = new Dictionary<string, PvObjectQueue> { ["x"] = x, ["y"] = y };
        var metadataType = PvType.Builder().Add("value", ScalarType.Double).Add("timeStamp", NTTypes.TimeStamp).Build();
        void Put(PvObjectQueue q, double value, double time)
        {
            var v = new PvValue(metadataType);
            v["value"].Set(value);
            new PvTimeStamp((long)time, (int)Math.Round((time - Math.Floor(time)) * 1e9)).WriteTo(v["timeStamp"]);
            q.TryPut(v);
        }

        static PvTimeStamp At(double time) => new((long)time, (int)Math.Round((time - Math.Floor(time)) * 1e9));
        const double T0 = 1_800_000_000.0;

        // x: an old value (discarded), then one for frame 1, one for frame 2. y: one for frame 1 only, then one from the future.
        Put(x, 0.5, T0 - 1);
        Put(x, 1.5, T0 + 0.0005);
        Put(x, 2.5, T0 + 0.1);
        Put(y, 7.25, T0);
        Put(y, 9.0, T0 + 5);
        using (var f1 = Frame(1, new ImageShape(2, 2), i => (byte)i, At(T0)))
        {
            p.Process(f1);
        }

        using (var f2 = Frame(2, new ImageShape(2, 2), i => (byte)i, At(T0 + 0.1)))
        {
            p.Process(f2);
        }

        var first = new NTNDArray(frames.Values[0]);
        Assert.Equal(1.5f, first.FindAttribute("x")!.Value.Value);
        Assert.Equal(7.25f, first.FindAttribute("y")!.Value.Value);
        var second = new NTNDArray(frames.Values[1]);
        Assert.Equal(2.5f, second.FindAttribute("x")!.Value.Value);
        Assert.Null(second.FindAttribute("y")); // y's next value is newer than the frame: kept for later
        var stats = p.GetStats();
        Assert.Equal(1L, stats["nFramesProcessed"]);
        Assert.Equal(1L, stats["nFrameErrors"]);
        Assert.Equal(3L, stats["nMetadataProcessed"]);
        Assert.Equal(1L, stats["nMetadataDiscarded"]);

        // An offset moves the metadata clock: y's held value (T0 + 5) fits a frame at T0 + 6 with an offset of 1 s.
        p.Configure(new JsonObject { ["metadataTimestampOffset"] = 1.0 });
        Put(x, 3.5, T0 + 5);
        using (var f3 = Frame(3, new ImageShape(2, 2), i => (byte)i, At(T0 + 6)))
        {
            p.Process(f3);
        }

        Assert.Equal(9.0f, new NTNDArray(frames.Values[2]).FindAttribute("y")!.Value.Value);
        Assert.Equal(3.5f, new NTNDArray(frames.Values[2]).FindAttribute("x")!.Value.Value);
        Assert.Equal(2L, p.GetStats()["nFramesProcessed"]);
        frames.Values.ForEach(v => v.Dispose());
    }
}
