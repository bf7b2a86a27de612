using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using K4os.Compression.LZ4;

namespace Epics.Streaming.Codecs;

/// <summary>
/// Decodes Blosc version-1 chunks (the c-blosc 1.x format, header version byte 2). A chunk is a 16-byte header:
/// format version, codec format version, flags, typesize, then little-endian int32 nbytes (decoded size), blocksize
/// and cbytes (chunk size including the header). Flags: 0x01 byte shuffle, 0x02 memcpyed (the data follows the
/// header as is), 0x04 bit shuffle, 0x08 reserved, 0x10 blocks not split, bits 5-7 the codec (0 BloscLZ, 1 LZ4 and
/// LZ4HC, 2 Snappy, 3 zlib, 4 zstd). Unless memcpyed, one int32 offset per block follows (from the chunk start);
/// the data is cut into blocks of blocksize bytes, the last one possibly shorter. Each block was shuffled as a whole
/// and then compressed either as typesize separate streams ("splits", each a typesize-th of the block) or as one;
/// each stream is an int32 compressed length and the codec's data, stored raw when that length equals the
/// stream's size.
/// </summary>
public static class BloscDecoder
{
    /// <summary>Bytes of the chunk header.</summary>
    public const int HeaderLength = 16;

    /// <summary>The blosc format version this decoder writes and reads (1 is read too).</summary>
    public const byte FormatVersion = 2;

    /// <summary>Header flag: the block was byte-shuffled.</summary>
    public const byte ByteShuffleFlag = 0x01;

    /// <summary>Header flag: the data follows the header uncompressed.</summary>
    public const byte MemcpyedFlag = 0x02;

    /// <summary>Header flag: the block was bit-shuffled.</summary>
    public const byte BitShuffleFlag = 0x04;

    /// <summary>Header flag reserved by blosc; a chunk with it set is refused.</summary>
    public const byte ReservedFlag = 0x08;

    /// <summary>Header flag: each block is one stream, not one per byte of the element.</summary>
    public const byte NoSplitFlag = 0x10;

    /// <summary>Codec format version of BloscLZ, LZ4 and zlib streams; written to memcpyed chunks too.</summary>
    public const byte CodecVersion = 1;

    // Writers split a block into typesize streams only for typesizes up to 16 and at least 128 elements per block.
    private const int MaxSplits = 16;
    private const int MinSplitElements = 128;

    private const int BloscLzCode = 0;
    private const int Lz4Code = 1;
    private const int SnappyCode = 2;
    private const int ZlibCode = 3;
    private const int ZstdCode = 4;

    /// <summary>The decoded size the chunk's header announces, after checking the header is consistent.</summary>
    /// <exception cref="InvalidDataException">The header is malformed or announces more bytes than the chunk holds.</exception>
    public static int DecodedLength(ReadOnlySpan<byte> chunk) => Header.Read(chunk).Nbytes;

    /// <summary>Whether <paramref name="data"/> starts with a blosc header for exactly its own length that decodes to
    /// <paramref name="decodedLength"/> bytes.</summary>
    public static bool IsChunkOf(ReadOnlySpan<byte> data, int decodedLength) =>
        data.Length >= HeaderLength && data[0] is 1 or FormatVersion
        && BinaryPrimitives.ReadInt32LittleEndian(data[4..]) == decodedLength
        && BinaryPrimitives.ReadInt32LittleEndian(data[12..]) == data.Length;

    /// <summary>Decodes a chunk into <paramref name="output"/>; returns the decoded size.</summary>
    /// <exception cref="InvalidDataException">The chunk is malformed, corrupt, larger than the output, or uses zstd
    /// or Snappy.</exception>
    public static int Decode(ReadOnlySpan<byte> chunk, Span<byte> output)
    {
        var header = Header.Read(chunk);
        var nbytes = header.Nbytes;
        if (nbytes > output.Length)
        {
            throw new InvalidDataException($"blosc chunk decodes to {nbytes} bytes, more than the {output.Length} expected");
        }

        chunk = chunk[..header.Cbytes];
        if (nbytes == 0)
        {
            return 0;
        }

        if ((header.Flags & MemcpyedFlag) != 0)
        {
            // Stored without compression or shuffling, whatever the other flags say.
            chunk.Slice(HeaderLength, nbytes).CopyTo(output);
            return nbytes;
        }

        var state = new BlockDecoder(header, chunk);
        try
        {
            var blocks = header.Blocks;
            for (var b = 0; b < blocks; b++)
            {
                var offset = b * header.Blocksize;
                state.DecodeBlock(b, output.Slice(offset, Math.Min(header.Blocksize, nbytes - offset)));
            }
        }
        finally
        {
            state.Dispose();
        }

        return nbytes;
    }

    /// <summary>The checked header fields.</summary>
    private readonly record struct Header(byte Flags, int Typesize, int Nbytes, int Blocksize, int Cbytes)
    {
        public int Codec => Flags >> 5;

        public int Blocks => (Nbytes / Blocksize) + (Nbytes % Blocksize > 0 ? 1 : 0);

        public static Header Read(ReadOnlySpan<byte> chunk)
        {
            if (chunk.Length < HeaderLength)
            {
                throw new InvalidDataException($"blosc chunk of {chunk.Length} bytes is shorter than its {HeaderLength}-byte header");
            }

            var version = chunk[0];
            var flags = chunk[2];
            int typesize = chunk[3];
            var nbytes = BinaryPrimitives.ReadInt32LittleEndian(chunk[4..]);
            var blocksize = BinaryPrimitives.ReadInt32LittleEndian(chunk[8..]);
            var cbytes = BinaryPrimitives.ReadInt32LittleEndian(chunk[12..]);
            if (version is 0 or > FormatVersion)
            {
                throw new InvalidDataException($"blosc chunk has format version {version}; only blosc1 chunks (version 1 or 2) are supported");
            }

            if ((flags & ReservedFlag) != 0)
            {
                throw new InvalidDataException($"blosc chunk sets reserved flag bits (flags 0x{flags:x2})");
            }

            if (typesize == 0)
            {
                // Format version 1 (blosc before 1.0) wrote 256 as 0; version 2 reserves 0.
                typesize = version == 1 ? 256 : throw new InvalidDataException("blosc chunk has typesize 0");
            }

            if (cbytes < HeaderLength || cbytes > chunk.Length)
            {
                throw new InvalidDataException($"blosc chunk announces {cbytes} compressed bytes but holds {chunk.Length}");
            }

            if (nbytes < 0)
            {
                throw new InvalidDataException($"blosc chunk announces {nbytes} decoded bytes");
            }

            var header = new Header(flags, typesize, nbytes, blocksize, cbytes);
            if ((flags & MemcpyedFlag) != 0)
            {
                if ((long)nbytes + HeaderLength != cbytes)
                {
                    throw new InvalidDataException($"memcpyed blosc chunk of {cbytes} bytes cannot hold {nbytes} bytes of data");
                }
            }
            else if (nbytes > 0)
            {
                if (blocksize <= 0)
                {
                    throw new InvalidDataException($"blosc chunk has block size {blocksize}");
                }

                if (HeaderLength + (4L * header.Blocks) > cbytes)
                {
                    throw new InvalidDataException($"blosc chunk of {cbytes} bytes cannot hold the offsets of its {header.Blocks} blocks");
                }

                if (version == FormatVersion && chunk[1] != CodecVersion)
                {
                    throw new InvalidDataException($"blosc chunk has codec format version {chunk[1]}, expected {CodecVersion}");
                }
            }

            return header;
        }
    }

    /// <summary>Per-call decoding state: the scratch buffers shuffled blocks and zlib streams need.</summary>
    private ref struct BlockDecoder
    {
        private readonly Header _header;
        private readonly ReadOnlySpan<byte> _chunk;
        private readonly bool _byteShuffle;
        private readonly bool _bitShuffle;
        private byte[]? _shuffled;
        private byte[]? _zlibInput;

        public BlockDecoder(Header header, ReadOnlySpan<byte> chunk)
        {
            _header = header;
            _chunk = chunk;
            _byteShuffle = (header.Flags & ByteShuffleFlag) != 0 && header.Typesize > 1;
            _bitShuffle = !_byteShuffle && (header.Flags & BitShuffleFlag) != 0;
            _ = header.Codec switch
            {
                BloscLzCode or Lz4Code or ZlibCode => 0,
                ZstdCode => throw new InvalidDataException("blosc chunks compressed with zstd are not supported"),
                SnappyCode => throw new InvalidDataException("blosc chunks compressed with snappy are not supported"),
                var code => throw new InvalidDataException($"blosc chunk uses unknown codec {code}"),
            };
        }

        public void DecodeBlock(int index, Span<byte> block)
        {
            var start = BinaryPrimitives.ReadInt32LittleEndian(_chunk[(HeaderLength + (4 * index))..]);
            var firstData = HeaderLength + (4 * _header.Blocks);
            if (start < firstData || start > _chunk.Length)
            {
                throw new InvalidDataException($"blosc block {index} starts at {start}, outside the chunk's data ({firstData}..{_chunk.Length})");
            }

            var shuffled = _byteShuffle || _bitShuffle;
            if (shuffled)
            {
                _shuffled ??= ArrayPool<byte>.Shared.Rent(Math.Min(_header.Blocksize, _header.Nbytes));
            }

            var target = shuffled ? _shuffled.AsSpan(0, block.Length) : block;
            var typesize = _header.Typesize;
            var lastShort = block.Length != _header.Blocksize;
            var splits = (_header.Flags & NoSplitFlag) == 0 && typesize <= MaxSplits
                && block.Length / typesize >= MinSplitElements && !lastShort ? typesize : 1;
            if (block.Length % splits != 0)
            {
                throw new InvalidDataException($"blosc block of {block.Length} bytes cannot be split into {splits} streams");
            }

            var streamLength = block.Length / splits;
            var pos = start;
            for (var s = 0; s < splits; s++)
            {
                if (_chunk.Length - pos < 4)
                {
                    throw new InvalidDataException($"blosc block {index} is cut off");
                }

                var size = BinaryPrimitives.ReadInt32LittleEndian(_chunk[pos..]);
                pos += 4;
                if (size < 0 || size > _chunk.Length - pos)
                {
                    throw new InvalidDataException($"blosc block {index} announces a {size}-byte stream, beyond the chunk's end");
                }

                DecodeStream(_chunk.Slice(pos, size), target.Slice(s * streamLength, streamLength));
                pos += size;
            }

            if (_byteShuffle)
            {
                ByteUnshuffle(target, block, typesize);
            }
            else if (_bitShuffle)
            {
                BitUnshuffle(target, block, typesize);
            }
        }

        private void DecodeStream(ReadOnlySpan<byte> stream, Span<byte> output)
        {
            if (stream.Length == output.Length)
            {
                stream.CopyTo(output);
                return;
            }

            var n = _header.Codec switch
            {
                BloscLzCode => BloscLz.Decode(stream, output),
                Lz4Code => LZ4Codec.Decode(stream, output),
                _ => Inflate(stream, output),
            };
            if (n != output.Length)
            {
                var codec = _header.Codec switch { BloscLzCode => "BloscLZ", Lz4Code => "LZ4", _ => "zlib" };
                throw new InvalidDataException($"corrupt {codec} stream in blosc chunk: {n} bytes decoded, {output.Length} expected");
            }
        }

        private int Inflate(ReadOnlySpan<byte> stream, Span<byte> output)
        {
            // ZLibStream reads from a Stream, which cannot wrap a span: copy into a reused array.
            if (_zlibInput is null || _zlibInput.Length < stream.Length)
            {
                if (_zlibInput is not null)
                {
                    ArrayPool<byte>.Shared.Return(_zlibInput);
                }

                _zlibInput = ArrayPool<byte>.Shared.Rent(stream.Length);
            }

            stream.CopyTo(_zlibInput);
            try
            {
                using var zlib = new ZLibStream(new MemoryStream(_zlibInput, 0, stream.Length, writable: false), CompressionMode.Decompress);
                var n = zlib.ReadAtLeast(output, output.Length, throwOnEndOfStream: false);
                Span<byte> extra = stackalloc byte[1];
                return n == output.Length && zlib.Read(extra) > 0 ? n + 1 : n;
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"corrupt zlib stream in blosc chunk: {e.Message}", e);
            }
        }

        public void Dispose()
        {
            if (_shuffled is not null)
            {
                ArrayPool<byte>.Shared.Return(_shuffled);
            }

            if (_zlibInput is not null)
            {
                ArrayPool<byte>.Shared.Return(_zlibInput);
            }
        }
    }

    /// <summary>Undoes blosc's byte shuffle: byte j of element i was at j·n + i; bytes after the last whole element stay.</summary>
    internal static void ByteUnshuffle(ReadOnlySpan<byte> shuffled, Span<byte> output, int typesize)
    {
        var n = shuffled.Length / typesize;
        if (typesize == 2)
        {
            var low = shuffled[..n];
            var high = shuffled.Slice(n, n);
            for (var i = 0; i < n; i++)
            {
                output[2 * i] = low[i];
                output[(2 * i) + 1] = high[i];
            }
        }
        else
        {
            for (var j = 0; j < typesize; j++)
            {
                var row = shuffled.Slice(j * n, n);
                for (var i = 0; i < n; i++)
                {
                    output[(i * typesize) + j] = row[i];
                }
            }
        }

        shuffled[(n * typesize)..].CopyTo(output[(n * typesize)..]);
    }

    /// <summary>
    /// Undoes blosc's bit shuffle of one block. Blosc bit-shuffles a block only when its element count is a multiple
    /// of 8 (bytes after the last whole element stay as they are); any other block is stored unshuffled.
    /// </summary>
    internal static void BitUnshuffle(ReadOnlySpan<byte> shuffled, Span<byte> output, int typesize)
    {
        var n = shuffled.Length / typesize;
        if (n == 0 || n % 8 != 0)
        {
            shuffled.CopyTo(output);
            return;
        }

        Bitshuffle.Unshuffle(shuffled, output, n, typesize);
        shuffled[(n * typesize)..].CopyTo(output[(n * typesize)..]);
    }
}
