using System.Numerics;
using Microsoft.Win32.SafeHandles;

namespace Epics.Streaming.Processors.Hdf5;

/// <summary>
/// Appends an HDF5 file's parts in order: bulk data first (image chunks, straight from the frames' buffers), metadata
/// last, then the superblock at the start, so nothing is held in memory and nothing is written twice. Addresses are
/// file offsets (base address 0). Version 2 superblock and object headers, as libhdf5 1.10 and later, h5py, PureHDF
/// and h5dump read them.
/// </summary>
internal sealed class Hdf5FileWriter : IDisposable
{
    private const int SuperblockLength = 48;
    private static readonly byte[] Signature = [0x89, (byte)'H', (byte)'D', (byte)'F', (byte)'\r', (byte)'\n', 0x1a, (byte)'\n'];
    private readonly SafeFileHandle _file;

    public Hdf5FileWriter(string path)
    {
        _file = File.OpenHandle(path, FileMode.Create, FileAccess.Write, FileShare.Read);
        Position = SuperblockLength;
    }

    /// <summary>Where the next part goes (the file's end so far).</summary>
    public ulong Position { get; private set; }

    /// <summary>Writes <paramref name="data"/> at the end; returns its address.</summary>
    public ulong Append(ReadOnlySpan<byte> data)
    {
        var address = Position;
        RandomAccess.Write(_file, data, (long)address);
        Position += (ulong)data.Length;
        return address;
    }

    /// <summary>Writes <paramref name="header"/> then <paramref name="body"/> as one part; returns its address.</summary>
    public ulong Append(ReadOnlySpan<byte> header, ReadOnlySpan<byte> body)
    {
        var address = Append(header);
        Append(body);
        return address;
    }

    /// <summary>Writes an object header of <paramref name="messages"/> (type, body); returns its address.</summary>
    public ulong AppendObjectHeader(IEnumerable<(byte Type, byte[] Body)> messages)
    {
        var list = messages.ToList();
        var size = list.Sum(m => 4 + m.Body.Length);
        var w = new Hdf5Buffer().Bytes("OHDR"u8).Byte(2).Byte(2).UInt32((uint)size);
        foreach (var (type, body) in list)
        {
            w.Byte(type).UInt16(checked((ushort)body.Length)).Byte(0).Bytes(body);
        }

        return Append(w.Checksum().Span);
    }

    /// <summary>
    /// Writes the fixed-array chunk index of <paramref name="chunks"/> (one entry per chunk, in order); with a filter
    /// each entry also holds the stored size in <paramref name="sizeBytes"/> bytes and the filter mask. Returns the
    /// index's address and the page bits the layout message must name.
    /// </summary>
    public (ulong Address, byte PageBits) AppendChunkIndex(IReadOnlyList<StoredChunk> chunks, bool filtered, int sizeBytes)
    {
        // One data block without pages: the page size is at least the number of chunks.
        var pageBits = (byte)Math.Max(10, 64 - BitOperations.LeadingZeroCount((ulong)Math.Max(1, chunks.Count - 1)));
        var entrySize = filtered ? 8 + sizeBytes + 4 : 8;
        var blockLength = 4 + 1 + 1 + 8 + (chunks.Count * entrySize) + 4;
        var blockAddress = Position;
        var headerAddress = blockAddress + (ulong)blockLength;

        var block = new Hdf5Buffer().Bytes("FADB"u8).Byte(0).Byte(filtered ? (byte)1 : (byte)0).UInt64(headerAddress);
        foreach (var chunk in chunks)
        {
            block.UInt64(chunk.Address);
            if (filtered)
            {
                block.Sized(chunk.Size, sizeBytes).UInt32(chunk.FilterMask);
            }
        }

        Append(block.Checksum().Span);
        var header = new Hdf5Buffer().Bytes("FAHD"u8).Byte(0).Byte(filtered ? (byte)1 : (byte)0).Byte((byte)entrySize)
            .Byte(pageBits).UInt64((ulong)chunks.Count).UInt64(blockAddress);
        Append(header.Checksum().Span);
        return (headerAddress, pageBits);
    }

    /// <summary>Writes the superblock naming the root group at <paramref name="rootAddress"/>; the file is then complete.</summary>
    public void Finish(ulong rootAddress)
    {
        var w = new Hdf5Buffer().Bytes(Signature).Byte(2).Byte(8).Byte(8).Byte(0)
            .UInt64(0).UInt64(Hdf5Messages.UndefinedAddress).UInt64(Position).UInt64(rootAddress);
        RandomAccess.Write(_file, w.Checksum().Span, 0);
    }

    public void Dispose() => _file.Dispose();

    /// <summary>
    /// The size field of a filtered chunk's index entry, as libhdf5 sizes it from the uncompressed chunk size
    /// <paramref name="chunkBytes"/>: one byte more than needed for it, at most 8.
    /// </summary>
    public static int ChunkSizeBytes(ulong chunkBytes) =>
        Math.Min(8, 1 + ((BitOperations.Log2(Math.Max(1, chunkBytes)) + 8) / 8));
}

/// <summary>A chunk as written: where, its stored size, and which filters it skipped (bit 0: stored unfiltered).</summary>
internal readonly record struct StoredChunk(ulong Address, ulong Size, uint FilterMask);
