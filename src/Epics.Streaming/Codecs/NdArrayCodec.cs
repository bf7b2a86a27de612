using Epics.Pva.Data;
using Epics.Pva.Data.NT;
using K4os.Compression.LZ4;

namespace Epics.Streaming.Codecs;

/// <summary>
/// Compression of NTNDArray frames the areaDetector way: a compressed frame holds its bytes in <c>value.ubyteValue</c>,
/// <c>codec.name</c> names the codec, <c>codec.parameters</c> is an int with the pvData type code of the uncompressed
/// elements, <c>compressedSize</c> is the byte count sent and <c>uncompressedSize</c> the frame's byte count.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>lz4</c>: decoded from a bare LZ4 block (what areaDetector sends) or from the HDF5 LZ4 filter's framing
/// (<see cref="Lz4Chunk"/>, what <c>ad-sim-server -hcm</c> sends), told apart by the framing's size header;
/// compressed as a bare block.</item>
/// <item><c>bslz4</c>: decoded with or without the 12-byte header of the HDF5 bitshuffle filter
/// (<see cref="Bslz4Chunk"/>); compressed without it, in default-sized blocks, as areaDetector does.</item>
/// <item><c>blosc</c>: decoded (<see cref="BloscDecoder"/>: BloscLZ, LZ4, zlib; byte or bit shuffle); not compressed.</item>
/// </list>
/// Decoded frames and compressed bytes go into arrays from a <see cref="FrameBufferPool"/> (default: the shared
/// pool); dispose them to give the buffers back.
/// </remarks>
/// <example>
/// <code>
/// using var pixels = NdArrayCodec.Decompress(update.Value); // a ushort[] for a bslz4 frame of uint16 pixels
/// NdArrayCodec.Compress(frame, "bslz4");                   // frame now holds its bslz4 bytes, codec set
/// </code>
/// </example>
public static class NdArrayCodec
{
    /// <summary>The codecs <see cref="Decompress"/> reads.</summary>
    public static IReadOnlyList<string> DecompressedCodecs { get; } = ["lz4", "bslz4", "blosc"];

    /// <summary>The codecs <see cref="Compress(PvValue, string, FrameBufferPool?)"/> writes.</summary>
    public static IReadOnlyList<string> CompressedCodecs { get; } = ["lz4", "bslz4"];

    /// <summary>
    /// The frame's elements, decoded into a new array from <paramref name="pool"/> when <c>codec.name</c> is set, or
    /// another reference to the frame's own array when it is not; the caller disposes the result.
    /// </summary>
    /// <exception cref="NotSupportedException">The codec is not one of <see cref="DecompressedCodecs"/>.</exception>
    /// <exception cref="InvalidDataException">The codec parameters or sizes are missing or the data is corrupt.</exception>
    public static PvArray Decompress(PvValue ntndarray, FrameBufferPool? pool = null)
    {
        var nd = new NTNDArray(ntndarray ?? throw new ArgumentNullException(nameof(ntndarray)));
        var codec = nd.CodecName;
        if (codec.Length == 0)
        {
            return nd.Image.Retain();
        }

        if (!DecompressedCodecs.Contains(codec))
        {
            throw new NotSupportedException($"codec '{codec}' is not supported (only {string.Join(", ", DecompressedCodecs)})");
        }

        var type = nd.CodecOriginalType ?? throw new InvalidDataException($"{codec} frame: codec.parameters does not name the element type");
        var elementSize = type.ElementSize();
        var size = nd.UncompressedSize;
        if (size <= 0 || size % elementSize != 0 || size > int.MaxValue)
        {
            throw new InvalidDataException($"{codec} frame: uncompressedSize {size} is not a whole number of {type.TypeName()} elements");
        }

        var data = nd.Image.Bytes;
        var result = PvArray.Allocate(type, (int)(size / elementSize), pool);
        try
        {
            var output = result.WritableBytes;
            var n = codec switch
            {
                "lz4" when Lz4Chunk.HasHeaderFor(data, size) => Lz4Chunk.Decode(data, output),
                "lz4" => LZ4Codec.Decode(data, output),
                "bslz4" when Bslz4Chunk.HasHeaderFor(data, size) => Bslz4Chunk.Decode(data, output, elementSize),
                "bslz4" => Bslz4Chunk.DecodeBlocks(data, output, elementSize),
                _ => BloscDecoder.Decode(data, output),
            };
            return n == size ? result : throw new InvalidDataException($"{codec} frame decodes to {n} bytes, not the {size} of uncompressedSize");
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>Decompresses the frame in place: its value becomes the decoded elements and its codec is cleared.</summary>
    public static void DecompressInPlace(PvValue ntndarray, FrameBufferPool? pool = null)
    {
        var nd = new NTNDArray(ntndarray ?? throw new ArgumentNullException(nameof(ntndarray)));
        if (nd.CodecName.Length == 0)
        {
            return;
        }

        var decoded = Decompress(ntndarray, pool);
        nd.SetCodec(string.Empty);
        nd.SetImage(decoded); // sets both sizes to the decoded byte count
    }

    /// <summary>
    /// Compresses an uncompressed frame in place with <paramref name="codec"/>: its value becomes the compressed bytes
    /// (a ubyte array from <paramref name="pool"/>) and codec, compressedSize and uncompressedSize are set.
    /// </summary>
    /// <exception cref="NotSupportedException">The codec is not one of <see cref="CompressedCodecs"/>.</exception>
    /// <exception cref="InvalidOperationException">The frame is already compressed.</exception>
    public static void Compress(PvValue ntndarray, string codec, FrameBufferPool? pool = null)
    {
        var nd = new NTNDArray(ntndarray ?? throw new ArgumentNullException(nameof(ntndarray)));
        if (nd.CodecName.Length > 0)
        {
            throw new InvalidOperationException($"the frame is already compressed with {nd.CodecName}");
        }

        var image = nd.Image;
        var compressed = Compress(image, codec, pool);
        var uncompressed = image.ByteLength;
        nd.SetCodec(codec, image.ElementType);
        nd.SetImage(compressed);
        nd.CompressedSize = compressed.ByteLength;
        nd.UncompressedSize = uncompressed;
    }

    /// <summary>The bytes of <paramref name="image"/> compressed with <paramref name="codec"/>, in a new ubyte array the caller owns.</summary>
    /// <exception cref="NotSupportedException">The codec is not one of <see cref="CompressedCodecs"/>, or the elements are strings.</exception>
    public static PvArray Compress(PvArray image, string codec, FrameBufferPool? pool = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(codec);
        if (image.ElementType == ScalarType.String)
        {
            throw new NotSupportedException("string arrays cannot be compressed");
        }

        var data = image.Bytes;
        var elementSize = image.ElementType.ElementSize();
        var bound = codec switch
        {
            "lz4" => LZ4Codec.MaximumOutputSize(data.Length),
            "bslz4" => Bslz4Chunk.MaximumEncodedLength(data.Length, elementSize),
            _ => throw new NotSupportedException($"codec '{codec}' cannot be written (only {string.Join(", ", CompressedCodecs)})"),
        };
        pool ??= FrameBufferPool.Shared;
        var scratch = pool.Rent(Math.Max(bound, 1));
        try
        {
            var n = codec == "lz4" ? LZ4Codec.Encode(data, scratch.AsSpan(0, bound)) : Bslz4Chunk.EncodeBlocks(data, scratch, elementSize);
            if (n < 0 || (n == 0 && data.Length > 0))
            {
                throw new InvalidOperationException($"{codec} compression failed");
            }

            // The bound is far above the usual result: the compressed bytes get an array of their own size.
            var result = PvArray.Allocate(ScalarType.UByte, n, pool);
            scratch.AsSpan(0, n).CopyTo(result.WritableBytes);
            return result;
        }
        finally
        {
            pool.Return(scratch);
        }
    }
}
