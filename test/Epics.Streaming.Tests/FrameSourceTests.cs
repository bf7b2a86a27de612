using System.Buffers.Binary;
using System.Text;
using Epics.Pva.Data;
using Epics.Streaming.Formats;
using Epics.Streaming.Formats.Hdf5;
using Epics.Streaming.Frames;
using PureHDF;

namespace Epics.Streaming.Tests;

public sealed class FrameSourceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pvstream-frames").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    // A little-endian (or big-endian) uint16 array of shape (n, ny, nx) with value = frame*1000 + y*nx + x.
    private string WriteNpy(string name, int n, int ny, int nx, bool bigEndian = false)
    {
        var header = $"{{'descr': '{(bigEndian ? '>' : '<')}u2', 'fortran_order': False, 'shape': ({n}, {ny}, {nx}), }}";
        var total = 10 + header.Length + 1;
        header = header.PadRight(header.Length + ((64 - (total % 64)) % 64)) + "\n";
        using var ms = new MemoryStream();
        ms.Write([0x93, .. "NUMPY"u8, 1, 0]);
        ms.Write(BitConverter.GetBytes((ushort)header.Length));
        ms.Write(Encoding.ASCII.GetBytes(header));
        var b = new byte[2];
        for (var f = 0; f < n; f++)
        {
            for (var i = 0; i < ny * nx; i++)
            {
                var v = (ushort)((f * 1000) + i);
                if (bigEndian)
                {
                    BinaryPrimitives.WriteUInt16BigEndian(b, v);
                }
                else
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(b, v);
                }

                ms.Write(b);
            }
        }

        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, ms.ToArray());
        return path;
    }

    private static void AssertFrame(PvArray frame, int f, int count)
    {
        var values = frame.AsSpan<ushort>();
        Assert.Equal(count, values.Length);
        for (var i = 0; i < count; i++)
        {
            Assert.Equal((ushort)((f * 1000) + i), values[i]);
        }
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void Npy_frames_read_back_in_order(bool memoryMapped, bool bigEndian)
    {
        var path = WriteNpy("a.npy", 3, 4, 5, bigEndian);
        using var source = new NpyFrameSource(path, memoryMapped, new FrameBufferPool());
        Assert.Equal(3, source.FrameCount);
        Assert.Equal(new FrameShape(5, 4, 0, ScalarType.UShort), source.Shape);
        Assert.Equal(memoryMapped, source.IsMemoryMapped);
        for (var f = 0; f < 3; f++)
        {
            using var frame = source.ReadFrame(f);
            AssertFrame(frame, f, 20);
        }
    }

    [Fact]
    public void Truncated_or_foreign_npy_is_a_clear_error()
    {
        var path = WriteNpy("t.npy", 3, 4, 5);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^10]);
        Assert.Contains("truncated", Assert.Throws<StreamingConfigurationException>(() => new NpyFrameSource(path, false, new FrameBufferPool())).Message);
        var other = Path.Combine(_dir, "x.npy");
        File.WriteAllText(other, "hello world, not numpy");
        Assert.Contains("not a NumPy", Assert.Throws<StreamingConfigurationException>(() => new NpyFrameSource(other, false, new FrameBufferPool())).Message);
    }

    [Fact]
    public void Hdf5_dataset_frames_read_along_axis_0()
    {
        var data = new ushort[3, 4, 5];
        for (var f = 0; f < 3; f++)
        {
            for (var y = 0; y < 4; y++)
            {
                for (var x = 0; x < 5; x++)
                {
                    data[f, y, x] = (ushort)((f * 1000) + (y * 5) + x);
                }
            }
        }

        var path = Path.Combine(_dir, "a.h5");
        new H5File { ["entry"] = new H5Group { ["data"] = data } }.Write(path);
        using var source = new Hdf5FrameSource(path, "/entry/data", new FrameBufferPool());
        Assert.Equal(3, source.FrameCount);
        Assert.Equal(new FrameShape(5, 4, 0, ScalarType.UShort), source.Shape);
        for (var f = 2; f >= 0; f--)
        {
            using var frame = source.ReadFrame(f);
            AssertFrame(frame, f, 20);
        }

        Assert.Contains("cannot read dataset", Assert.Throws<StreamingConfigurationException>(() => new Hdf5FrameSource(path, "/nope", new FrameBufferPool())).Message);
        Assert.EndsWith("a.h5: cannot read dataset /entry/nope: there is no such dataset; datasets in the file: /entry/data",
            Assert.Throws<StreamingConfigurationException>(() => new Hdf5FrameSource(path, "/entry/nope", new FrameBufferPool())).Message);
    }

    [Fact]
    public void Raw_file_with_yaml_description_reads_frames_after_the_header()
    {
        var npy = WriteNpy("b.npy", 2, 4, 5, bigEndian: true);
        var raw = Path.Combine(_dir, "b.raw");
        File.WriteAllBytes(raw, [.. new byte[16], .. File.ReadAllBytes(npy)[128..]]);
        var cfg = Path.Combine(_dir, "b.yaml");
        File.WriteAllText(cfg, "file_info:\n  datatype: uint16\n  header_offset: 16\n  height: 4\n  width: 5\n  endian: big\n");
        var info = RawFileInfo.Load(cfg);
        using var source = new RawFrameSource(raw, info, new FrameBufferPool());
        Assert.Equal(2, source.FrameCount);
        using var frame = source.ReadFrame(1);
        AssertFrame(frame, 1, 20);
        File.WriteAllText(cfg, "file_info:\n  datatype: uint16\n  height: 4\n");
        Assert.Contains("width is missing", Assert.Throws<StreamingConfigurationException>(() => RawFileInfo.Load(cfg)).Message);
    }

    [Theory]
    [InlineData(ScalarType.UByte, null, null, 0, 255)]
    [InlineData(ScalarType.UByte, 10.0, 20.0, 10, 20)]
    [InlineData(ScalarType.Short, -5.0, 5.0, -5, 5)]
    [InlineData(ScalarType.UInt, 100.0, 1e6, 100, 1e6)]
    [InlineData(ScalarType.Float, 1.0, 2.0, 1, 2)]
    public void Random_frames_stay_in_range_and_differ(ScalarType type, double? mn, double? mx, double low, double high)
    {
        var source = new RandomFrameSource(new FrameShape(64, 32, 0, type), 2, mn, mx, new FrameBufferPool());
        Assert.Equal((low, high), (source.Low, source.High));
        using var a = source.ReadFrame(0);
        using var b = source.ReadFrame(1);
        var values = a.ToDoubleArray();
        Assert.All(values, v => Assert.InRange(v, low, high));
        if (!type.IsFloatingPoint())
        {
            Assert.DoesNotContain(high, values); // integer upper bound is exclusive
        }

        Assert.True(values.Distinct().Count() > 2);
        Assert.False(a.Bytes.SequenceEqual(b.Bytes));
    }

    [Fact]
    public void Rgb_shapes_give_the_areaDetector_dimensions()
    {
        Assert.Equal([8, 4], new FrameShape(8, 4, 0, ScalarType.UByte).Dimensions);
        Assert.Equal([3, 8, 4], new FrameShape(8, 4, 2, ScalarType.UByte).Dimensions);
        Assert.Equal([8, 3, 4], new FrameShape(8, 4, 3, ScalarType.UByte).Dimensions);
        Assert.Equal([8, 4, 3], new FrameShape(8, 4, 4, ScalarType.UByte).Dimensions);
        Assert.Equal(96, new FrameShape(8, 4, 4, ScalarType.UByte).Elements);
    }
}
