using System.Globalization;
using BitMiracle.LibTiff.Classic;
using TiffCompression = BitMiracle.LibTiff.Classic.Compression;
using Epics.Pva.Data;
using Epics.Streaming.Frames;

namespace Epics.Streaming.Formats;

/// <summary>
/// Frames from a TIFF file, one per page (IFD): greyscale 8/16/32/64-bit integers or 32/64-bit floats, or 8/16-bit
/// pixel-interleaved RGB (colour mode 4, like an (ny, nx, 3) NumPy frame). Strips or tiles, either byte order, any
/// compression LibTiff decodes. Every page must match page 0. Pages are decoded on demand.
/// </summary>
internal sealed class TiffFrameSource : IFrameSource
{
    private static readonly ErrorCollector Errors = Install();

    // LibTiff keeps a current directory and shared decode state, so one reader at a time.
    private readonly Lock _lock = new();
    private readonly Tiff _tiff;
    private readonly FrameBufferPool _pool;
    private byte[] _scratch = [];

    public TiffFrameSource(string path, FrameBufferPool pool)
    {
        Name = path;
        _pool = pool;
        Errors.Clear();
        _tiff = Tiff.Open(path, "r") ?? throw new StreamingConfigurationException($"{path}: not a readable TIFF ({Errors.Last ?? "open failed"})");
        try
        {
            // LibTiff stops counting at a directory it cannot read (a cut-off multi-page file) and only reports it.
            var pages = _tiff.NumberOfDirectories();
            if (Errors.Last is { } error)
            {
                throw new StreamingConfigurationException($"{path}: damaged or truncated TIFF: cannot read the directory after page {pages - 1} ({error})");
            }

            if (pages is < 1 or > short.MaxValue)
            {
                throw new StreamingConfigurationException($"{path}: TIFF has {pages} pages");
            }

            var length = new FileInfo(path).Length;
            Shape = Describe(0, length);
            for (var p = 1; p < pages; p++)
            {
                var shape = Describe(p, length);
                if (shape != Shape)
                {
                    throw new StreamingConfigurationException($"{path}: page {p} is {Text(shape)}, page 0 is {Text(Shape)}; all pages must match");
                }
            }

            FrameCount = pages;
        }
        catch
        {
            _tiff.Dispose();
            throw;
        }
    }

    public string Name { get; }

    public FrameShape Shape { get; }

    public int FrameCount { get; }

    /// <summary>True for a <c>.tif</c>/<c>.tiff</c> name or a file starting with a TIFF or BigTIFF signature.</summary>
    public static bool IsTiff(string path)
    {
        var ext = Path.GetExtension(path);
        if (ext.Equals(".tif", StringComparison.OrdinalIgnoreCase) || ext.Equals(".tiff", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        Span<byte> magic = stackalloc byte[4];
        using (var handle = File.OpenHandle(path))
        {
            if (RandomAccess.Read(handle, magic, 0) < 4)
            {
                return false;
            }
        }

        // II*\0, MM\0*, and the BigTIFF forms with 43 in place of 42.
        return (magic[0] == 'I' && magic[1] == 'I' && magic[2] is 42 or 43 && magic[3] == 0)
            || (magic[0] == 'M' && magic[1] == 'M' && magic[2] == 0 && magic[3] is 42 or 43);
    }

    public PvArray ReadFrame(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)FrameCount, nameof(index));
        var array = PvArray.Allocate(Shape.ElementType, Shape.Elements, _pool);
        try
        {
            lock (_lock)
            {
                Errors.Clear();
                if (!_tiff.SetDirectory((short)index))
                {
                    throw Fail(index, "cannot select page");
                }

                if (_tiff.IsTiled())
                {
                    ReadTiles(index, array.WritableBytes);
                }
                else
                {
                    ReadStrips(index, array.WritableBytes);
                }
            }
        }
        catch
        {
            array.Dispose();
            throw;
        }

        return array;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _tiff.Dispose();
        }
    }

    private int PixelBytes => Shape.Components * Shape.ElementType.ElementSize();

    private void ReadStrips(int page, Span<byte> dest)
    {
        var rowBytes = Shape.Nx * PixelBytes;
        // RowsPerStrip defaults to 2^32-1 (one strip), so read it unsigned.
        var rowsPerStrip = (int)Math.Min(Shape.Ny, _tiff.GetFieldDefaulted(TiffTag.ROWSPERSTRIP) is { Length: > 0 } v ? v[0].ToUInt() : 0u);
        if (rowsPerStrip <= 0)
        {
            throw Fail(page, "bad RowsPerStrip");
        }

        EnsureScratch(rowsPerStrip * rowBytes);
        for (int strip = 0, row = 0; row < Shape.Ny; strip++, row += rowsPerStrip)
        {
            var want = Math.Min(rowsPerStrip, Shape.Ny - row) * rowBytes;
            var got = _tiff.ReadEncodedStrip(strip, _scratch, 0, want);
            if (got < want)
            {
                throw Fail(page, $"strip {strip} decoded to {Math.Max(got, 0)} of {want} bytes");
            }

            _scratch.AsSpan(0, want).CopyTo(dest[(row * rowBytes)..]);
        }
    }

    private void ReadTiles(int page, Span<byte> dest)
    {
        var tileWidth = Field(TiffTag.TILEWIDTH);
        var tileHeight = Field(TiffTag.TILELENGTH);
        if (tileWidth <= 0 || tileHeight <= 0)
        {
            throw Fail(page, "bad tile size");
        }

        var pixelBytes = PixelBytes;
        var tileRowBytes = tileWidth * pixelBytes;
        var tileBytes = checked(tileRowBytes * tileHeight);
        EnsureScratch(tileBytes);
        for (var y = 0; y < Shape.Ny; y += tileHeight)
        {
            for (var x = 0; x < Shape.Nx; x += tileWidth)
            {
                var tile = _tiff.ComputeTile(x, y, 0, 0);
                var got = _tiff.ReadEncodedTile(tile, _scratch, 0, tileBytes);
                if (got < tileBytes)
                {
                    throw Fail(page, $"tile {tile} decoded to {Math.Max(got, 0)} of {tileBytes} bytes");
                }

                // Edge tiles are stored full size; keep only the part inside the image.
                var copyBytes = Math.Min(tileWidth, Shape.Nx - x) * pixelBytes;
                var rows = Math.Min(tileHeight, Shape.Ny - y);
                for (var r = 0; r < rows; r++)
                {
                    _scratch.AsSpan(r * tileRowBytes, copyBytes).CopyTo(dest[((((y + r) * Shape.Nx) + x) * pixelBytes)..]);
                }
            }
        }
    }

    private void EnsureScratch(int bytes)
    {
        if (_scratch.Length < bytes)
        {
            _scratch = new byte[bytes];
        }
    }

    private InvalidDataException Fail(int page, string what) =>
        new($"{Name}: page {page}: {what}{(Errors.Last is { } e ? $" ({e})" : string.Empty)}");

    private int Field(TiffTag tag) => _tiff.GetFieldDefaulted(tag) is { Length: > 0 } v ? v[0].ToInt() : 0;

    /// <summary>The frame shape of page <paramref name="page"/>, or a clear error for layouts we do not serve.</summary>
    private FrameShape Describe(int page, long fileLength)
    {
        if (!_tiff.SetDirectory((short)page))
        {
            throw new StreamingConfigurationException($"{Name}: damaged or truncated TIFF: cannot read page {page} ({Errors.Last ?? "bad directory"})");
        }

        string Where() => $"{Name}: page {page}";
        var width = Field(TiffTag.IMAGEWIDTH);
        var height = Field(TiffTag.IMAGELENGTH);
        var samples = Field(TiffTag.SAMPLESPERPIXEL);
        var bits = Field(TiffTag.BITSPERSAMPLE);
        var format = (SampleFormat)Field(TiffTag.SAMPLEFORMAT);
        var photometric = (Photometric)Field(TiffTag.PHOTOMETRIC);
        var compression = (TiffCompression)Field(TiffTag.COMPRESSION);
        if (width <= 0 || height <= 0)
        {
            throw new StreamingConfigurationException($"{Where()}: bad image size {width}x{height}");
        }

        if (!_tiff.IsCodecConfigured(compression))
        {
            throw new StreamingConfigurationException($"{Where()}: compression {compression} is not supported");
        }

        int colorMode;
        if (samples == 1 && photometric is Photometric.MINISBLACK or Photometric.MINISWHITE)
        {
            colorMode = 0;
        }
        else if (samples == 3 && photometric == Photometric.RGB && format == SampleFormat.UINT && bits is 8 or 16)
        {
            if ((PlanarConfig)Field(TiffTag.PLANARCONFIG) != PlanarConfig.CONTIG)
            {
                throw new StreamingConfigurationException($"{Where()}: RGB with separate colour planes is not supported");
            }

            colorMode = 2; // pixel-interleaved RGB is areaDetector's RGB1: dimensions [3, nx, ny]
        }
        else
        {
            throw new StreamingConfigurationException(
                $"{Where()}: {samples} samples per pixel with photometric {photometric} is not supported (greyscale or 8/16-bit RGB only)");
        }

        var type = (format, bits) switch
        {
            (SampleFormat.UINT, 8) => ScalarType.UByte,
            (SampleFormat.UINT, 16) => ScalarType.UShort,
            (SampleFormat.UINT, 32) => ScalarType.UInt,
            (SampleFormat.UINT, 64) => ScalarType.ULong,
            (SampleFormat.INT, 8) => ScalarType.Byte,
            (SampleFormat.INT, 16) => ScalarType.Short,
            (SampleFormat.INT, 32) => ScalarType.Int,
            (SampleFormat.INT, 64) => ScalarType.Long,
            (SampleFormat.IEEEFP, 32) => ScalarType.Float,
            (SampleFormat.IEEEFP, 64) => ScalarType.Double,
            _ => throw new StreamingConfigurationException($"{Where()}: {bits}-bit {format} samples are not supported"),
        };
        CheckExtents(Where(), fileLength);
        return new FrameShape(width, height, colorMode, type);
    }

    // A cut-off file keeps its directories but loses strip data: say so at open time, not mid-stream.
    private void CheckExtents(string where, long fileLength)
    {
        var tiled = _tiff.IsTiled();
        var offsets = _tiff.GetField(tiled ? TiffTag.TILEOFFSETS : TiffTag.STRIPOFFSETS);
        var counts = _tiff.GetField(tiled ? TiffTag.TILEBYTECOUNTS : TiffTag.STRIPBYTECOUNTS);
        var o = offsets is { Length: > 0 } ? offsets[0].TolongArray() : null;
        var c = counts is { Length: > 0 } ? counts[0].TolongArray() : null;
        if (o is null || c is null || o.Length != c.Length || o.Length == 0)
        {
            throw new StreamingConfigurationException($"{where}: missing strip/tile offsets");
        }

        for (var i = 0; i < o.Length; i++)
        {
            if (o[i] < 0 || c[i] < 0 || o[i] + c[i] > fileLength)
            {
                throw new StreamingConfigurationException(string.Create(CultureInfo.InvariantCulture,
                    $"{where}: file is truncated ({(tiled ? "tile" : "strip")} {i} ends at byte {o[i] + c[i]}, file has {fileLength})"));
            }
        }
    }

    private static string Text(FrameShape s) =>
        string.Create(CultureInfo.InvariantCulture, $"{s.Nx}x{s.Ny} {FrameShape.ColorModeName(s.ColorMode)} {AdSimServerOptions.DataTypeName(s.ElementType)}");

    private static ErrorCollector Install()
    {
        var collector = new ErrorCollector();
        Tiff.SetErrorHandler(collector);
        return collector;
    }

    /// <summary>
    /// Keeps LibTiff's last error per thread instead of printing it, so it can go into the exception; warnings (unknown
    /// tags and the like) are dropped. LibTiff's handler is process-wide, and nothing else here uses LibTiff.
    /// </summary>
    private sealed class ErrorCollector : TiffErrorHandler
    {
        [ThreadStatic]
        private static string? t_last;

        public string? Last => t_last;

        public void Clear() => t_last = null;

        public override void ErrorHandler(Tiff tif, string method, string format, params object[] args)
        {
            var text = args.Length > 0 ? string.Format(CultureInfo.InvariantCulture, format, args) : format;

            // Messages start with the file name, which our messages already give.
            var name = tif?.FileName();
            t_last = name is { Length: > 0 } && text.StartsWith(name + ": ", StringComparison.Ordinal) ? text[(name.Length + 2)..] : text;
        }

        public override void ErrorHandlerExt(Tiff tif, object clientData, string method, string format, params object[] args)
        {
        }

        public override void WarningHandler(Tiff tif, string method, string format, params object[] args)
        {
        }

        public override void WarningHandlerExt(Tiff tif, object clientData, string method, string format, params object[] args)
        {
        }
    }
}
