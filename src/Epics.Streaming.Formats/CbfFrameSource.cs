using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;
using Epics.Pva.Data;
using Epics.Streaming.Frames;

namespace Epics.Streaming.Formats;

/// <summary>
/// Frames from a Crystallographic Binary File (<c>.cbf</c>, as written by Dectris Pilatus/Eiger and fabio): a CIF text
/// header, then binary sections <c>--CIF-BINARY-FORMAT-SECTION--</c>, each a MIME-style header, the start marker
/// <c>0C 1A 04 D5</c> and <c>X-Binary-Size</c> bytes of data, byte-offset compressed or uncompressed. Each section is
/// one frame; every section must match the first in size and type. Sections are indexed at open time and decoded on
/// demand.
/// </summary>
internal sealed class CbfFrameSource : IFrameSource
{
    // A section's MIME header is a few hundred bytes; a marker further away than this means the file is damaged.
    private const int MaxSectionHeaderBytes = 64 * 1024;
    private const int ScanChunk = MaxSectionHeaderBytes;

    private static readonly byte[] Boundary = "--CIF-BINARY-FORMAT-SECTION--"u8.ToArray();
    private static readonly byte[] Starter = [0x0C, 0x1A, 0x04, 0xD5];

    private readonly FrameBufferPool _pool;
    private readonly Microsoft.Win32.SafeHandles.SafeFileHandle _handle;
    private readonly Section[] _sections;

    public CbfFrameSource(string path, FrameBufferPool pool)
    {
        Name = path;
        _pool = pool;
        _handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        try
        {
            var length = RandomAccess.GetLength(_handle);
            var sections = new List<Section>();
            FrameShape? shape = null;
            var buffer = new byte[ScanChunk];
            long position = 0;
            while (FindBoundary(buffer, position, length) is long at)
            {
                var after = at + Boundary.Length;
                if (IsClosingBoundary(after, length))
                {
                    position = after + 2; // "--CIF-BINARY-FORMAT-SECTION----" ends a section's text
                    continue;
                }

                var frame = sections.Count;
                var (keys, dataOffset) = ReadSectionHeader(buffer, after, length, frame);
                var (frameShape, section, size) = Describe(keys, dataOffset, frame);
                if (dataOffset + size > length)
                {
                    throw new StreamingConfigurationException($"{path}: file is truncated (frame {frame} needs {dataOffset + size} bytes, file has {length})");
                }

                if (shape is null)
                {
                    shape = frameShape;
                }
                else if (frameShape != shape)
                {
                    throw new StreamingConfigurationException($"{path}: frame {frame} is {Text(frameShape)}, frame 0 is {Text(shape)}; all frames must match");
                }

                sections.Add(section);
                position = dataOffset + size;
            }

            Shape = shape ?? throw new StreamingConfigurationException($"{path}: not a CBF file (no --CIF-BINARY-FORMAT-SECTION-- found)");
            _sections = [.. sections];
        }
        catch
        {
            _handle.Dispose();
            throw;
        }
    }

    public string Name { get; }

    public FrameShape Shape { get; }

    public int FrameCount => _sections.Length;

    public PvArray ReadFrame(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)FrameCount, nameof(index));
        var section = _sections[index];
        var array = PvArray.Allocate(Shape.ElementType, Shape.Elements, _pool);
        try
        {
            if (!section.ByteOffset)
            {
                ReadExactly(array.WritableBytes, section.Offset, index);
                if (section.Swap)
                {
                    ByteOrder.Swap(array);
                }

                return array;
            }

            var packed = ArrayPool<byte>.Shared.Rent(section.Size);
            try
            {
                var source = packed.AsSpan(0, section.Size);
                ReadExactly(source, section.Offset, index);
                var decoded = Shape.ElementType switch
                {
                    ScalarType.Byte => DecodeByteOffset(source, array.GetWritableSpan<sbyte>()),
                    ScalarType.UByte => DecodeByteOffset(source, array.GetWritableSpan<byte>()),
                    ScalarType.Short => DecodeByteOffset(source, array.GetWritableSpan<short>()),
                    ScalarType.UShort => DecodeByteOffset(source, array.GetWritableSpan<ushort>()),
                    ScalarType.Int => DecodeByteOffset(source, array.GetWritableSpan<int>()),
                    ScalarType.UInt => DecodeByteOffset(source, array.GetWritableSpan<uint>()),
                    ScalarType.Long => DecodeByteOffset(source, array.GetWritableSpan<long>()),
                    _ => DecodeByteOffset(source, array.GetWritableSpan<ulong>()),
                };
                if (decoded < Shape.Elements)
                {
                    throw new StreamingConfigurationException($"{Name}: frame {index}: corrupt byte-offset data (its {section.Size} bytes hold {decoded} of {Shape.Elements} values)");
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(packed);
            }

            return array;
        }
        catch
        {
            array.Dispose();
            throw;
        }
    }

    public void Dispose() => _handle.Dispose();

    /// <summary>
    /// Undoes CBF byte-offset compression into <paramref name="destination"/>: each value is the previous one (0 before
    /// the first) plus a little-endian delta of int8; 0x80 escapes to int16, then 0x8000 to int32, then 0x80000000 to
    /// int64. The sum is kept in 64 bits and stored truncated, so 32-bit writers' wrapped-around deltas come out right.
    /// Returns how many values were decoded: fewer than the destination holds when the data ends early.
    /// </summary>
    internal static int DecodeByteOffset<T>(ReadOnlySpan<byte> source, Span<T> destination)
        where T : unmanaged, IBinaryInteger<T>
    {
        long value = 0;
        var p = 0;
        for (var i = 0; i < destination.Length; i++)
        {
            if (p >= source.Length)
            {
                return i;
            }

            var delta8 = (sbyte)source[p];
            if (delta8 != sbyte.MinValue)
            {
                value += delta8;
                p++;
            }
            else if (source.Length - p < 3)
            {
                return i;
            }
            else if (BinaryPrimitives.ReadInt16LittleEndian(source.Slice(p + 1, 2)) is var delta16 && delta16 != short.MinValue)
            {
                value += delta16;
                p += 3;
            }
            else if (source.Length - p < 7)
            {
                return i;
            }
            else if (BinaryPrimitives.ReadInt32LittleEndian(source.Slice(p + 3, 4)) is var delta32 && delta32 != int.MinValue)
            {
                value += delta32;
                p += 7;
            }
            else if (source.Length - p < 15)
            {
                return i;
            }
            else
            {
                value += BinaryPrimitives.ReadInt64LittleEndian(source.Slice(p + 7, 8));
                p += 15;
            }

            destination[i] = T.CreateTruncating(value);
        }

        return destination.Length;
    }

    private static string Text(FrameShape s) =>
        string.Create(CultureInfo.InvariantCulture, $"{s.Nx}x{s.Ny} {AdSimServerOptions.DataTypeName(s.ElementType)}");

    private void ReadExactly(Span<byte> bytes, long offset, int frame)
    {
        if (!FileRegion.TryReadExactly(_handle, bytes, offset))
        {
            throw new StreamingConfigurationException($"{Name}: frame {frame}: unexpected end of file");
        }
    }

    /// <summary>Where the next boundary line starts at or after <paramref name="position"/>, or null.</summary>
    private long? FindBoundary(byte[] buffer, long position, long length)
    {
        while (position < length)
        {
            var filled = RandomAccess.Read(_handle, buffer.AsSpan(0, (int)Math.Min(buffer.Length, length - position)), position);
            if (filled <= 0)
            {
                return null;
            }

            var k = buffer.AsSpan(0, filled).IndexOf(Boundary);
            if (k >= 0)
            {
                return position + k;
            }

            if (position + filled >= length)
            {
                return null;
            }

            // Keep the tail that could be the start of a boundary split across two reads.
            position += Math.Max(1, filled - Boundary.Length + 1);
        }

        return null;
    }

    private bool IsClosingBoundary(long after, long length)
    {
        Span<byte> next = stackalloc byte[2];
        return after + 2 <= length && RandomAccess.Read(_handle, next, after) == 2 && next[0] == '-' && next[1] == '-';
    }

    /// <summary>The MIME-style header of the section whose boundary ends at <paramref name="after"/>, and where its data starts.</summary>
    private (Dictionary<string, string> Keys, long DataOffset) ReadSectionHeader(byte[] buffer, long after, long length, int frame)
    {
        var want = (int)Math.Min(length - after, MaxSectionHeaderBytes); // the scan buffer is at least this long
        var span = buffer.AsSpan(0, want);
        ReadExactly(span, after, frame);
        var k = span.IndexOf(Starter);
        if (k < 0)
        {
            throw new StreamingConfigurationException(after + want >= length
                ? $"{Name}: file is truncated in frame {frame}: the binary section has no data start marker"
                : $"{Name}: frame {frame}: no data start marker within {MaxSectionHeaderBytes} bytes of the section header");
        }

        var keys = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var raw in Encoding.Latin1.GetString(span[..k]).Split('\n'))
        {
            var line = raw.Trim();

            // conversions="…" is a parameter of Content-Type, on its line or a continuation line.
            var c = line.IndexOf("conversions=", StringComparison.OrdinalIgnoreCase);
            if (c >= 0)
            {
                keys["conversions"] = line[(c + "conversions=".Length)..].Trim(' ', '\t', '"', ';');
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                keys.TryAdd(line[..colon].Trim(), line[(colon + 1)..].Trim(' ', '\t', '"', ';'));
            }
        }

        return (keys, after + k + Starter.Length);
    }

    /// <summary>The frame a section header describes, how to read it, and its X-Binary-Size.</summary>
    private (FrameShape Shape, Section Section, long Size) Describe(Dictionary<string, string> keys, long dataOffset, int frame)
    {
        var where = $"{Name}: frame {frame}";
        if (keys.TryGetValue("Content-Transfer-Encoding", out var encoding) && !encoding.Equals("BINARY", StringComparison.OrdinalIgnoreCase))
        {
            throw new StreamingConfigurationException($"{where}: Content-Transfer-Encoding '{encoding}' is not supported (binary CBF only)");
        }

        var conversions = keys.GetValueOrDefault("conversions") ?? "none";
        var byteOffset = conversions.ToUpperInvariant() switch
        {
            "X-CBF_BYTE_OFFSET" => true,
            "X-CBF_NONE" or "NONE" or "" => false,
            _ => throw new StreamingConfigurationException($"{where}: compression '{conversions}' is not supported (x-CBF_BYTE_OFFSET or none)"),
        };

        // fabio, like CBFlib's miniCBF readers, takes a missing element type as signed 32-bit.
        var typeText = keys.GetValueOrDefault("X-Binary-Element-Type") ?? "signed 32-bit integer";
        var type = typeText.ToLowerInvariant() switch
        {
            "signed 8-bit integer" => ScalarType.Byte,
            "unsigned 8-bit integer" => ScalarType.UByte,
            "signed 16-bit integer" => ScalarType.Short,
            "unsigned 16-bit integer" => ScalarType.UShort,
            "signed 32-bit integer" => ScalarType.Int,
            "unsigned 32-bit integer" => ScalarType.UInt,
            "signed 64-bit integer" => ScalarType.Long,
            "unsigned 64-bit integer" => ScalarType.ULong,
            "signed 32-bit real ieee" when !byteOffset => ScalarType.Float,
            "signed 64-bit real ieee" when !byteOffset => ScalarType.Double,
            _ => throw new StreamingConfigurationException($"{where}: X-Binary-Element-Type '{typeText}' is not supported{(byteOffset ? " with byte-offset compression" : "")}"),
        };

        var order = keys.GetValueOrDefault("X-Binary-Element-Byte-Order") ?? "LITTLE_ENDIAN";
        var bigEndian = order.ToUpperInvariant() switch
        {
            "LITTLE_ENDIAN" => false,
            "BIG_ENDIAN" when !byteOffset => true,
            _ => throw new StreamingConfigurationException($"{where}: X-Binary-Element-Byte-Order '{order}' is not supported{(byteOffset ? " with byte-offset compression" : "")}"),
        };

        var size = Long(keys, where, "X-Binary-Size") ?? throw new StreamingConfigurationException($"{where}: X-Binary-Size is missing");
        var nx = Long(keys, where, "X-Binary-Size-Fastest-Dimension") ?? throw new StreamingConfigurationException($"{where}: X-Binary-Size-Fastest-Dimension is missing");
        var ny = Long(keys, where, "X-Binary-Size-Second-Dimension") ?? 1;
        var nz = Long(keys, where, "X-Binary-Size-Third-Dimension") ?? 1;
        if (nx is 0 or > int.MaxValue || ny is 0 or > int.MaxValue || nz != 1)
        {
            throw new StreamingConfigurationException($"{where}: image size {nx}x{ny}x{nz} is not supported (2-D images only)");
        }

        if (Long(keys, where, "X-Binary-Number-of-Elements") is { } count && count != nx * ny)
        {
            throw new StreamingConfigurationException($"{where}: X-Binary-Number-of-Elements {count} is not {nx}x{ny}");
        }

        FrameShape shape;
        try
        {
            shape = new FrameShape((int)nx, (int)ny, 0, type);
            _ = shape.ByteLength; // overflow check
        }
        catch (OverflowException)
        {
            throw new StreamingConfigurationException($"{where}: image {nx}x{ny} is too large for one frame");
        }

        // Byte-offset data takes at least one byte per value and at most 15.
        if (byteOffset ? size < shape.Elements || size > (long)shape.Elements * 15 || size > Array.MaxLength : size < shape.ByteLength)
        {
            throw new StreamingConfigurationException($"{where}: X-Binary-Size {size} does not fit a {nx}x{ny} {AdSimServerOptions.DataTypeName(type)} image{(byteOffset ? " (byte-offset)" : "")}");
        }

        var swap = bigEndian == BitConverter.IsLittleEndian && type.ElementSize() > 1;
        return (shape, new Section(dataOffset, byteOffset ? (int)size : shape.ByteLength, byteOffset, swap), size);
    }

    private static long? Long(Dictionary<string, string> keys, string where, string key) =>
        !keys.TryGetValue(key, out var text) ? null
        : long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 0 ? v
        : throw new StreamingConfigurationException($"{where}: {key} '{text}' is not a non-negative integer");

    /// <summary>One binary section: where its data starts, how many bytes to read, and how to turn them into values.</summary>
    private readonly record struct Section(long Offset, int Size, bool ByteOffset, bool Swap);
}
