using System.Text;
using Epics.Pva.Data;
using Epics.Streaming.Formats;
using Epics.Streaming.Frames;

namespace Epics.Streaming.Tests;

/// <summary>
/// CBF inputs of the simulated detector: files written by fabio and sections built byte by byte
/// (Fixtures/make_cbf_fixtures.py; the formulas here mirror that script).
/// </summary>
public sealed class CbfFrameSourceTests : IDisposable
{
    private const int Nx = 40;
    private const int Ny = 30;

    private readonly string _dir = Directory.CreateTempSubdirectory("pvstream-cbf").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static string Fixture(string name) => ImageFrameSourceTests.Fixture(name);

    // value = frame*1000 + (i % nx)*3 - 50 + i / nx, with SPECIALS overriding (int32 extremes, int16/int32-sized jumps).
    private static int Ramp(int frame, int i) => i switch
    {
        5 => -1,
        77 => 1000,
        100 => 40000,
        101 => -70000,
        200 => int.MaxValue,
        201 => int.MinValue,
        202 => -1,
        1199 => 123456,
        _ => (frame * 1000) + ((i % Nx) * 3) - 50 + (i / Nx),
    };

    private static void AssertRamp(PvArray frame, int f)
    {
        var values = frame.AsSpan<int>();
        Assert.Equal(Nx * Ny, values.Length);
        for (var i = 0; i < values.Length; i++)
        {
            Assert.Equal(Ramp(f, i), values[i]);
        }
    }

    [Fact]
    public void Fabio_int32_byte_offset_frame_decodes_exactly()
    {
        using var source = new CbfFrameSource(Fixture("ramp_int32.cbf"), new FrameBufferPool());
        Assert.Equal(1, source.FrameCount);
        Assert.Equal(new FrameShape(Nx, Ny, 0, ScalarType.Int), source.Shape);
        using var frame = source.ReadFrame(0);
        AssertRamp(frame, 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => source.ReadFrame(1));
    }

    // Mirrors TYPES in make_cbf_fixtures.py: signed (i*3 - 40)*scale, unsigned i*scale + 7; int64 needs 8-byte deltas.
    [Theory]
    [InlineData("int8", ScalarType.Byte, 1L)]
    [InlineData("uint8", ScalarType.UByte, 8L)]
    [InlineData("int16", ScalarType.Short, 500L)]
    [InlineData("uint16", ScalarType.UShort, 2000L)]
    [InlineData("uint32", ScalarType.UInt, 100000000L)]
    [InlineData("int64", ScalarType.Long, 1000000000L)]
    public void Element_types_map_to_scalar_types(string dtype, ScalarType type, long scale)
    {
        using var source = new CbfFrameSource(Fixture($"type_{dtype}.cbf"), new FrameBufferPool());
        Assert.Equal(new FrameShape(8, 4, 0, type), source.Shape);
        using var frame = source.ReadFrame(0);
        var unsigned = dtype.StartsWith("uint", StringComparison.Ordinal);
        for (var i = 0; i < 32; i++)
        {
            var expected = unsigned ? (i * scale) + 7 : ((i * 3) - 40) * scale;
            Assert.Equal(expected.ToString(System.Globalization.CultureInfo.InvariantCulture), frame.GetElement(i).ToString());
        }
    }

    [Fact]
    public void Each_binary_section_is_a_frame()
    {
        using var source = new CbfFrameSource(Fixture("two_frames_int32.cbf"), new FrameBufferPool());
        Assert.Equal(2, source.FrameCount);
        Assert.Equal(new FrameShape(Nx, Ny, 0, ScalarType.Int), source.Shape);
        using var f1 = source.ReadFrame(1);
        AssertRamp(f1, 1);
        using var f0 = source.ReadFrame(0);
        AssertRamp(f0, 0);
    }

    [Fact]
    public void Uncompressed_big_endian_section_comes_out_in_host_order()
    {
        using var source = new CbfFrameSource(Fixture("none_be_uint16.cbf"), new FrameBufferPool());
        Assert.Equal(new FrameShape(8, 4, 0, ScalarType.UShort), source.Shape);
        using var frame = source.ReadFrame(0);
        Assert.Equal(Enumerable.Range(0, 32).Select(i => (ushort)((i * 2000) + 7)), frame.ToArray<ushort>());
    }

    [Fact]
    public void Byte_offset_escapes_of_every_width_and_wraparound_decode()
    {
        // 0, +1, int16 +1000, int32 +40000, int64 +2^40, then int8 -1; into int32 the int64 step wraps like a 32-bit writer's.
        byte[] stream = [0x00, 0x01, 0x80, 0xE8, 0x03, 0x80, 0x00, 0x80, 0x40, 0x9C, 0x00, 0x00,
            0x80, 0x00, 0x80, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0xFF];
        var wide = new long[6];
        Assert.Equal(6, CbfFrameSource.DecodeByteOffset(stream, wide.AsSpan()));
        Assert.Equal([0L, 1, 1001, 41001, 41001 + (1L << 40), 41000 + (1L << 40)], wide);
        var narrow = new int[6];
        Assert.Equal(6, CbfFrameSource.DecodeByteOffset(stream, narrow.AsSpan()));
        Assert.Equal([0, 1, 1001, 41001, 41001, 41000], narrow);

        // A stream cut inside any escape stops before that value, never reading past the end.
        for (var cut = 0; cut < stream.Length; cut++)
        {
            var got = CbfFrameSource.DecodeByteOffset(stream.AsSpan(0, cut), new long[6].AsSpan());
            Assert.True(got < 6 && got <= cut, $"cut {cut}: {got}");
        }
    }

    [Fact]
    public void Corrupt_byte_offset_stream_is_a_clear_error_when_read()
    {
        var path = Fixture("short_stream_int32.cbf");
        using var source = new CbfFrameSource(path, new FrameBufferPool());
        var e = Assert.Throws<StreamingConfigurationException>(() => source.ReadFrame(0));
        Assert.Equal($"{path}: frame 0: corrupt byte-offset data (its 1235 bytes hold 1199 of 1200 values)", e.Message);
    }

    [Fact]
    public void Truncated_or_foreign_cbf_is_a_clear_error()
    {
        var bytes = File.ReadAllBytes(Fixture("two_frames_int32.cbf"));
        var cut = Path.Combine(_dir, "cut.cbf");
        var second = Encoding.Latin1.GetString(bytes).LastIndexOf("X-Binary-ID: 2", StringComparison.Ordinal);
        var data = Encoding.Latin1.GetString(bytes).LastIndexOf("\x0c\x1a\x04\xd5", StringComparison.Ordinal) + 4;

        File.WriteAllBytes(cut, bytes[..(data + 100)]); // inside frame 1's data
        var e = Assert.Throws<StreamingConfigurationException>(() => new CbfFrameSource(cut, new FrameBufferPool()));
        Assert.StartsWith($"{cut}: file is truncated (frame 1 needs ", e.Message);
        Assert.EndsWith($" bytes, file has {data + 100})", e.Message);

        File.WriteAllBytes(cut, bytes[..second]); // inside frame 1's MIME header
        e = Assert.Throws<StreamingConfigurationException>(() => new CbfFrameSource(cut, new FrameBufferPool()));
        Assert.Equal($"{cut}: file is truncated in frame 1: the binary section has no data start marker", e.Message);

        var text = Path.Combine(_dir, "text.cbf");
        File.WriteAllText(text, "###CBF: VERSION 1.5\r\ndata_x\r\n");
        e = Assert.Throws<StreamingConfigurationException>(() => new CbfFrameSource(text, new FrameBufferPool()));
        Assert.Equal($"{text}: not a CBF file (no --CIF-BINARY-FORMAT-SECTION-- found)", e.Message);
    }

    [Theory]
    [InlineData("x-CBF_PACKED", "signed 32-bit integer", "LITTLE_ENDIAN", 8, 4, 32, "compression 'x-CBF_PACKED' is not supported")]
    [InlineData("x-CBF_BYTE_OFFSET", "signed 32-bit real IEEE", "LITTLE_ENDIAN", 8, 4, 32, "X-Binary-Element-Type 'signed 32-bit real IEEE' is not supported with byte-offset compression")]
    [InlineData("x-CBF_BYTE_OFFSET", "signed 32-bit integer", "BIG_ENDIAN", 8, 4, 32, "X-Binary-Element-Byte-Order 'BIG_ENDIAN' is not supported with byte-offset compression")]
    [InlineData("x-CBF_BYTE_OFFSET", "signed 32-bit integer", "LITTLE_ENDIAN", 8, 4, 31, "X-Binary-Number-of-Elements 31 is not 8x4")]
    [InlineData("x-CBF_NONE", "signed 32-bit integer", "LITTLE_ENDIAN", 8, 4, 32, "X-Binary-Size 40 does not fit a 8x4 int32 image")]
    public void Unsupported_section_headers_are_named(string conversions, string type, string order, int nx, int ny, int elements, string reason)
    {
        var path = Path.Combine(_dir, "odd.cbf");
        var header = $"###CBF: VERSION 1.5\r\n_array_data.data\r\n;\r\n--CIF-BINARY-FORMAT-SECTION--\r\n"
            + $"Content-Type: application/octet-stream;\r\n     conversions=\"{conversions}\"\r\n"
            + $"Content-Transfer-Encoding: BINARY\r\nX-Binary-Size: 40\r\nX-Binary-Element-Type: \"{type}\"\r\n"
            + $"X-Binary-Element-Byte-Order: {order}\r\nX-Binary-Number-of-Elements: {elements}\r\n"
            + $"X-Binary-Size-Fastest-Dimension: {nx}\r\nX-Binary-Size-Second-Dimension: {ny}\r\n\r\n";
        File.WriteAllBytes(path, [.. Encoding.ASCII.GetBytes(header), 0x0C, 0x1A, 0x04, 0xD5, .. new byte[40]]);
        var e = Assert.Throws<StreamingConfigurationException>(() => new CbfFrameSource(path, new FrameBufferPool()));
        Assert.StartsWith($"{path}: frame 0: {reason}", e.Message);
    }

    [Fact]
    public void Sections_of_different_sizes_are_rejected_naming_the_frame()
    {
        var path = Path.Combine(_dir, "mixed.cbf");
        File.WriteAllBytes(path, [.. File.ReadAllBytes(Fixture("ramp_int32.cbf")), .. File.ReadAllBytes(Fixture("type_int16.cbf"))]);
        var e = Assert.Throws<StreamingConfigurationException>(() => new CbfFrameSource(path, new FrameBufferPool()));
        Assert.Equal($"{path}: frame 1 is 8x4 int16, frame 0 is 40x30 int32; all frames must match", e.Message);
    }

    [Fact]
    public void Directory_with_a_cbf_and_a_junk_file_yields_one_source_and_one_skip_line()
    {
        File.Copy(Fixture("two_frames_int32.cbf"), Path.Combine(_dir, "a.CBF"));
        var junk = Path.Combine(_dir, "b.xyz");
        File.WriteAllText(junk, "not an image");
        var skipped = new List<string>();
        var sources = FrameSources.Create(new AdSimServerOptions { InputDirectory = _dir }.Registered(), new FrameBufferPool(), skipped);
        using var source = Assert.IsType<CbfFrameSource>(Assert.Single(sources));
        Assert.Equal(2, source.FrameCount);
        using var f1 = source.ReadFrame(1);
        AssertRamp(f1, 1);
        Assert.Equal($"Skipping {junk}: unsupported image format (supported: TIFF, EDF, CBF; or raw binary with --config-file)", Assert.Single(skipped));
    }

    [Fact]
    public async Task Concurrent_reads_of_one_cbf_all_decode_correctly()
    {
        using var source = new CbfFrameSource(Fixture("two_frames_int32.cbf"), new FrameBufferPool());
        var tasks = Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            for (var k = 0; k < 20; k++)
            {
                var f = (t + k) % 2;
                using var frame = source.ReadFrame(f);
                AssertRamp(frame, f);
            }
        }));
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
    }
}
