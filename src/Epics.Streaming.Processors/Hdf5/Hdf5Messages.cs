using System.Buffers.Binary;
using System.Text;
using Epics.Pva.Data;

namespace Epics.Streaming.Processors.Hdf5;

/// <summary>
/// Encoders of the HDF5 header messages our files use (HDF5 file format specification, version 3): little-endian,
/// 8-byte addresses and lengths. Only what a NeXus image file needs: numeric and fixed-length string types, simple
/// and scalar dataspaces, contiguous and chunked (fixed-array index) layouts, filter pipelines, attributes and
/// compact hard links.
/// </summary>
internal static class Hdf5Messages
{
    public const byte Dataspace = 0x01;
    public const byte LinkInfo = 0x02;
    public const byte Datatype = 0x03;
    public const byte FillValue = 0x05;
    public const byte Link = 0x06;
    public const byte Layout = 0x08;
    public const byte GroupInfo = 0x0A;
    public const byte FilterPipeline = 0x0B;
    public const byte Attribute = 0x0C;

    /// <summary>The "undefined address" of the format.</summary>
    public const ulong UndefinedAddress = ulong.MaxValue;

    /// <summary>A simple dataspace of <paramref name="dims"/> (fixed size), or a scalar one when it is empty.</summary>
    public static byte[] DataspaceOf(ReadOnlySpan<ulong> dims)
    {
        var w = new Hdf5Buffer();
        w.Byte(2).Byte((byte)dims.Length).Byte(0).Byte(dims.IsEmpty ? (byte)0 : (byte)1);
        foreach (var d in dims)
        {
            w.UInt64(d);
        }

        return w.ToArray();
    }

    /// <summary>The little-endian datatype of <paramref name="type"/>'s elements.</summary>
    public static byte[] DatatypeOf(ScalarType type)
    {
        var size = type.ElementSize();
        var w = new Hdf5Buffer();
        if (type is ScalarType.Float or ScalarType.Double)
        {
            var single = type == ScalarType.Float;
            // Class 1 version 1; implied mantissa msb; sign bit; then offset, precision, exponent and mantissa fields.
            w.Byte(0x11).Byte(0x20).Byte(single ? (byte)31 : (byte)63).Byte(0).UInt32((uint)size);
            w.UInt16(0).UInt16((ushort)(size * 8));
            w.Byte(single ? (byte)23 : (byte)52).Byte(single ? (byte)8 : (byte)11).Byte(0).Byte(single ? (byte)23 : (byte)52);
            w.UInt32(single ? 127u : 1023u);
            return w.ToArray();
        }

        var signed = type is ScalarType.Byte or ScalarType.Short or ScalarType.Int or ScalarType.Long;
        w.Byte(0x10).Byte(signed ? (byte)0x08 : (byte)0).Byte(0).Byte(0).UInt32((uint)size);
        w.UInt16(0).UInt16((ushort)(size * 8));
        return w.ToArray();
    }

    /// <summary>A fixed-length, null-padded UTF-8 string type of <paramref name="length"/> bytes.</summary>
    public static byte[] StringType(int length) =>
        new Hdf5Buffer().Byte(0x13).Byte(0x11).Byte(0).Byte(0).UInt32((uint)length).ToArray();

    /// <summary>Fill value, version 3: no fill value defined, written only if set, allocated as <paramref name="allocationTime"/>.</summary>
    public static byte[] FillValueMessage(byte allocationTime) => [3, (byte)(allocationTime | (2 << 2))];

    /// <summary>Contiguous layout (version 3) of <paramref name="size"/> bytes at <paramref name="address"/>.</summary>
    public static byte[] ContiguousLayout(ulong address, ulong size) =>
        new Hdf5Buffer().Byte(3).Byte(1).UInt64(address).UInt64(size).ToArray();

    /// <summary>
    /// Chunked layout (version 4) with chunks of <paramref name="chunkDims"/> elements of <paramref name="elementSize"/>
    /// bytes, indexed by the fixed array at <paramref name="indexAddress"/> of pages of 2^<paramref name="pageBits"/> entries.
    /// </summary>
    public static byte[] ChunkedLayout(ReadOnlySpan<uint> chunkDims, int elementSize, byte pageBits, ulong indexAddress)
    {
        var w = new Hdf5Buffer().Byte(4).Byte(2).Byte(0).Byte((byte)(chunkDims.Length + 1)).Byte(4);
        foreach (var d in chunkDims)
        {
            w.UInt32(d);
        }

        return w.UInt32((uint)elementSize).Byte(3).Byte(pageBits).UInt64(indexAddress).ToArray();
    }

    /// <summary>A pipeline of one optional filter (optional: a chunk it could not take is stored unfiltered, as its mask says).</summary>
    public static byte[] FilterPipelineOf(ushort filterId, string name, ReadOnlySpan<uint> parameters)
    {
        var nameBytes = Encoding.ASCII.GetBytes(name + "\0");
        var w = new Hdf5Buffer().Byte(2).Byte(1).UInt16(filterId).UInt16((ushort)nameBytes.Length).UInt16(1);
        w.UInt16((ushort)parameters.Length).Bytes(nameBytes);
        foreach (var p in parameters)
        {
            w.UInt32(p);
        }

        return w.ToArray();
    }

    /// <summary>A group's link info: links stored compactly in its header, no creation order.</summary>
    public static byte[] LinkInfoMessage() =>
        new Hdf5Buffer().Byte(0).Byte(0).UInt64(UndefinedAddress).UInt64(UndefinedAddress).ToArray();

    /// <summary>A group's info with the default storage thresholds.</summary>
    public static byte[] GroupInfoMessage() => [0, 0];

    /// <summary>A hard link named <paramref name="name"/> to the object header at <paramref name="address"/>.</summary>
    public static byte[] HardLink(string name, ulong address)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var w = new Hdf5Buffer().Byte(1);
        if (nameBytes.Length <= byte.MaxValue)
        {
            w.Byte(0x10).Byte(1).Byte((byte)nameBytes.Length);
        }
        else
        {
            w.Byte(0x11).Byte(1).UInt16((ushort)nameBytes.Length);
        }

        return w.Bytes(nameBytes).UInt64(address).ToArray();
    }

    /// <summary>A scalar string attribute (fixed-length UTF-8).</summary>
    public static byte[] StringAttribute(string name, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        var data = new byte[Math.Max(1, bytes.Length)];
        bytes.CopyTo(data, 0);
        return AttributeMessage(name, StringType(data.Length), DataspaceOf([]), data);
    }

    private static byte[] AttributeMessage(string name, byte[] datatype, byte[] dataspace, byte[] data)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name + "\0");
        return new Hdf5Buffer().Byte(3).Byte(0).UInt16((ushort)nameBytes.Length).UInt16((ushort)datatype.Length)
            .UInt16((ushort)dataspace.Length).Byte(1).Bytes(nameBytes).Bytes(datatype).Bytes(dataspace).Bytes(data).ToArray();
    }
}

/// <summary>A growing little-endian byte buffer for HDF5 metadata.</summary>
internal sealed class Hdf5Buffer
{
    private byte[] _data = new byte[64];

    public int Length { get; private set; }

    public Hdf5Buffer Byte(byte value) => Bytes([value]);

    public Hdf5Buffer UInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(Grow(2), value);
        return this;
    }

    public Hdf5Buffer UInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(Grow(4), value);
        return this;
    }

    public Hdf5Buffer UInt64(ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(Grow(8), value);
        return this;
    }

    /// <summary>The low <paramref name="size"/> bytes of <paramref name="value"/>.</summary>
    public Hdf5Buffer Sized(ulong value, int size)
    {
        Span<byte> all = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(all, value);
        return Bytes(all[..size]);
    }

    public Hdf5Buffer Bytes(ReadOnlySpan<byte> value)
    {
        value.CopyTo(Grow(value.Length));
        return this;
    }

    /// <summary>Appends the checksum of everything written so far.</summary>
    public Hdf5Buffer Checksum() => UInt32(Hdf5Checksum.Compute(_data.AsSpan(0, Length)));

    public ReadOnlySpan<byte> Span => _data.AsSpan(0, Length);

    public byte[] ToArray() => Span.ToArray();

    private Span<byte> Grow(int n)
    {
        if (Length + n > _data.Length)
        {
            Array.Resize(ref _data, Math.Max(_data.Length * 2, Length + n));
        }

        var span = _data.AsSpan(Length, n);
        Length += n;
        return span;
    }
}
