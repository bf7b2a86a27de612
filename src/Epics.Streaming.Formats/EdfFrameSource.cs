using System.Globalization;
using System.Text;
using Epics.Pva.Data;
using Epics.Streaming.Frames;

namespace Epics.Streaming.Formats;

/// <summary>
/// Frames from an ESRF Data Format (<c>.edf</c>) file: blocks of an ASCII header <c>{ key = value ; … }</c> followed by
/// <c>Size</c> bytes of raw data, one block per frame. Dim_1 is the width (fastest), Dim_2 the height. The block
/// offsets are indexed at open time; frames are read on demand with positioned reads.
/// </summary>
internal sealed class EdfFrameSource : IFrameSource
{
    // Headers are normally one or a few 512-byte blocks; anything longer than this is not an EDF header.
    private const int MaxHeaderBytes = 1 << 20;

    private readonly FrameBufferPool _pool;
    private readonly Microsoft.Win32.SafeHandles.SafeFileHandle _handle;
    private readonly long[] _offsets;
    private readonly bool _swap;

    public EdfFrameSource(string path, FrameBufferPool pool)
    {
        Name = path;
        _pool = pool;
        _handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        try
        {
            var length = RandomAccess.GetLength(_handle);
            var offsets = new List<long>();
            FrameShape? shape = null;
            bool? bigEndian = null;
            long position = 0;
            for (var block = 0; position < length; block++)
            {
                if (ReadHeader(position, length, block) is not var (keys, dataOffset))
                {
                    break; // only padding left
                }

                var size = Long(keys, block, "EDF_BinarySize") ?? Long(keys, block, "Size");
                if (!keys.ContainsKey("Dim_1") && size is null or 0)
                {
                    position = dataOffset; // a header-only block (general block): no image
                    continue;
                }

                var (blockShape, blockBigEndian) = Describe(keys, block);
                var needed = (long)blockShape.ByteLength;
                size ??= needed;
                if (size < needed)
                {
                    throw new StreamingConfigurationException($"{path}: frame {offsets.Count}: Size {size} is less than the {needed} bytes of a {blockShape.Nx}x{blockShape.Ny} image");
                }

                if (dataOffset + size > length)
                {
                    throw new StreamingConfigurationException($"{path}: file is truncated (frame {offsets.Count} needs {dataOffset + size} bytes, file has {length})");
                }

                if (shape is null)
                {
                    (shape, bigEndian) = (blockShape, blockBigEndian);
                }
                else if (blockShape != shape || (blockBigEndian != bigEndian && shape.ElementType.ElementSize() > 1))
                {
                    throw new StreamingConfigurationException($"{path}: frame {offsets.Count} differs from frame 0 in size, data type or byte order");
                }

                offsets.Add(dataOffset);
                position = dataOffset + size.Value;
            }

            Shape = shape ?? throw new StreamingConfigurationException($"{path}: no EDF image blocks");
            _offsets = [.. offsets];
            _swap = bigEndian == BitConverter.IsLittleEndian && shape.ElementType.ElementSize() > 1;
        }
        catch
        {
            _handle.Dispose();
            throw;
        }
    }

    public string Name { get; }

    public FrameShape Shape { get; }

    public int FrameCount => _offsets.Length;

    public PvArray ReadFrame(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)FrameCount, nameof(index));
        var array = PvArray.Allocate(Shape.ElementType, Shape.Elements, _pool);
        var bytes = array.WritableBytes;
        if (!FileRegion.TryReadExactly(_handle, bytes, _offsets[index]))
        {
            array.Dispose();
            throw new EndOfStreamException($"{Name}: unexpected end of file");
        }

        if (_swap)
        {
            ByteOrder.Swap(array);
        }

        return array;
    }

    public void Dispose() => _handle.Dispose();

    /// <summary>
    /// The header at <paramref name="position"/>: its keys and where its data starts (just after the closing
    /// <c>}</c> and newline), or null when only whitespace is left.
    /// </summary>
    private (Dictionary<string, string> Keys, long DataOffset)? ReadHeader(long position, long length, int block)
    {
        var buffer = new byte[(int)Math.Min(length - position, 4096)];
        var filled = 0;
        var open = -1;
        while (true)
        {
            var n = RandomAccess.Read(_handle, buffer.AsSpan(filled), position + filled);
            if (n <= 0)
            {
                throw new EndOfStreamException($"{Name}: unexpected end of file");
            }

            filled += n;
            var span = buffer.AsSpan(0, filled);
            if (open < 0)
            {
                var first = span.IndexOfAnyExcept(" \t\r\n\0"u8);
                if (first < 0 && position + filled >= length)
                {
                    return null;
                }

                if (first >= 0)
                {
                    if (span[first] != (byte)'{')
                    {
                        throw new StreamingConfigurationException($"{Name}: {(block == 0 ? "not an EDF file" : $"block {block}")}: header does not start with '{{'");
                    }

                    open = first;
                }
            }

            // The header ends at "}\n" or "}\r\n"; a '}' at the end of what was read may be completed by the next read.
            for (var from = open + 1; open >= 0 && span[from..].IndexOf((byte)'}') is var k and >= 0; from += k + 1)
            {
                var i = from + k;
                if (i + 1 < filled && span[i + 1] == '\n')
                {
                    return (Parse(span[(open + 1)..i]), position + i + 2);
                }

                if (i + 2 < filled && span[i + 1] == '\r' && span[i + 2] == '\n')
                {
                    return (Parse(span[(open + 1)..i]), position + i + 3);
                }
            }

            if (position + filled >= length || filled >= MaxHeaderBytes)
            {
                throw new StreamingConfigurationException($"{Name}: {(block == 0 ? "not an EDF file" : $"file is truncated in block {block}")}: header has no closing '}}'");
            }

            if (filled == buffer.Length)
            {
                Array.Resize(ref buffer, (int)Math.Min(length - position, Math.Min(buffer.Length * 2L, MaxHeaderBytes)));
            }
        }
    }

    private static Dictionary<string, string> Parse(ReadOnlySpan<byte> header)
    {
        var keys = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var item in Encoding.Latin1.GetString(header).Split(';'))
        {
            var eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                keys.TryAdd(item[..eq].Trim(), item[(eq + 1)..].Trim());
            }
        }

        return keys;
    }

    private long? Long(Dictionary<string, string> keys, int block, string key) =>
        !keys.TryGetValue(key, out var text) ? null
        : long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 0 ? v
        : throw new StreamingConfigurationException($"{Name}: block {block}: {key} '{text}' is not a non-negative integer");

    private (FrameShape Shape, bool BigEndian) Describe(Dictionary<string, string> keys, int block)
    {
        var where = $"{Name}: block {block}";
        if (keys.TryGetValue("Compression", out var compression) && compression.Length > 0
            && !compression.Equals("None", StringComparison.OrdinalIgnoreCase) && !compression.Equals("NoCompression", StringComparison.OrdinalIgnoreCase))
        {
            throw new StreamingConfigurationException($"{where}: compressed EDF data ({compression}) is not supported");
        }

        var nx = Long(keys, block, "Dim_1") ?? throw new StreamingConfigurationException($"{where}: Dim_1 is missing");
        var ny = Long(keys, block, "Dim_2") ?? 1;
        var nz = Long(keys, block, "Dim_3") ?? 1;
        if (nx is 0 or > int.MaxValue || ny is 0 or > int.MaxValue || nz != 1)
        {
            throw new StreamingConfigurationException($"{where}: image size {nx}x{ny}x{nz} is not supported (2-D images only)");
        }

        var typeText = keys.GetValueOrDefault("DataType") ?? throw new StreamingConfigurationException($"{where}: DataType is missing");
        var type = typeText.ToUpperInvariant() switch
        {
            "SIGNEDBYTE" or "SIGNED8" => ScalarType.Byte,
            "UNSIGNEDBYTE" or "UNSIGNED8" => ScalarType.UByte,
            "SIGNEDSHORT" or "SIGNED16" => ScalarType.Short,
            "UNSIGNEDSHORT" or "UNSIGNED16" or "UNSIGNEDSHORTINTEGER" => ScalarType.UShort,

            // "Long" is the 32-bit C long of the original ESRF writers.
            "SIGNEDINTEGER" or "SIGNED32" or "SIGNEDLONG" => ScalarType.Int,
            "UNSIGNEDINTEGER" or "UNSIGNED32" or "UNSIGNEDLONG" => ScalarType.UInt,
            "SIGNED64" => ScalarType.Long,
            "UNSIGNED64" => ScalarType.ULong,
            "FLOATVALUE" or "FLOAT" or "FLOATIEEE32" or "FLOAT32" => ScalarType.Float,
            "DOUBLEVALUE" or "DOUBLE" or "FLOATIEEE64" or "DOUBLEIEEE64" => ScalarType.Double,
            _ => throw new StreamingConfigurationException($"{where}: DataType '{typeText}' is not supported"),
        };
        var order = keys.GetValueOrDefault("ByteOrder") ?? "LowByteFirst";
        var bigEndian = order.ToUpperInvariant() switch
        {
            "HIGHBYTEFIRST" => true,
            "LOWBYTEFIRST" => false,
            _ => throw new StreamingConfigurationException($"{where}: ByteOrder '{order}' is not LowByteFirst or HighByteFirst"),
        };
        try
        {
            var shape = new FrameShape((int)nx, (int)ny, 0, type);
            _ = shape.ByteLength; // overflow check
            return (shape, bigEndian);
        }
        catch (OverflowException)
        {
            throw new StreamingConfigurationException($"{where}: image {nx}x{ny} is too large for one frame");
        }
    }
}
