using System.Buffers.Binary;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using Epics.Pva.Data;

namespace Epics.Pva.Protocol;

/// <summary>
/// Encodes the primitive encodings (pva-protocol §2) into a <see cref="MessageBuilder"/> in one byte order. We never
/// send type-cache codes, bounded or fixed types, or segmented messages (checklist §13).
/// </summary>
internal readonly struct PvaWriter
{
    public PvaWriter(MessageBuilder output, bool bigEndian)
    {
        Output = output;
        BigEndian = bigEndian;
    }

    public MessageBuilder Output { get; }

    public bool BigEndian { get; }

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(Output.GetSpan(bytes.Length));
        Output.Advance(bytes.Length);
    }

    public void WriteByte(byte value)
    {
        Output.GetSpan(1)[0] = value;
        Output.Advance(1);
    }

    public void WriteBoolean(bool value) => WriteByte(value ? (byte)1 : (byte)0);

    public void WriteInt16(short value)
    {
        var s = Output.GetSpan(2);
        if (BigEndian)
        {
            BinaryPrimitives.WriteInt16BigEndian(s, value);
        }
        else
        {
            BinaryPrimitives.WriteInt16LittleEndian(s, value);
        }

        Output.Advance(2);
    }

    public void WriteUInt16(ushort value) => WriteInt16((short)value);

    public void WriteInt32(int value)
    {
        var s = Output.GetSpan(4);
        if (BigEndian)
        {
            BinaryPrimitives.WriteInt32BigEndian(s, value);
        }
        else
        {
            BinaryPrimitives.WriteInt32LittleEndian(s, value);
        }

        Output.Advance(4);
    }

    public void WriteUInt32(uint value) => WriteInt32((int)value);

    public void WriteInt64(long value)
    {
        var s = Output.GetSpan(8);
        if (BigEndian)
        {
            BinaryPrimitives.WriteInt64BigEndian(s, value);
        }
        else
        {
            BinaryPrimitives.WriteInt64LittleEndian(s, value);
        }

        Output.Advance(8);
    }

    public void WriteUInt64(ulong value) => WriteInt64((long)value);

    public void WriteFloat(float value) => WriteInt32(BitConverter.SingleToInt32Bits(value));

    public void WriteDouble(double value) => WriteInt64(BitConverter.DoubleToInt64Bits(value));

    // Size: 0-253 in one byte, otherwise 0xFE + int32.
    public void WriteSize(int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        if (size < 254)
        {
            WriteByte((byte)size);
        }
        else
        {
            WriteByte(254);
            WriteInt32(size);
        }
    }

    // Selector: like Size, -1 (no member) is 0xFF.
    public void WriteSelector(int selector)
    {
        if (selector < 0)
        {
            WriteByte(0xFF);
        }
        else
        {
            WriteSize(selector);
        }
    }

    // String: Size (bytes) + UTF-8.
    public void WriteString(string value)
    {
        if (value.Length == 0)
        {
            WriteByte(0);
            return;
        }

        if (Ascii.IsValid(value) && value.Length < 254)
        {
            var s = Output.GetSpan(value.Length + 1);
            s[0] = (byte)value.Length;
            Encoding.ASCII.GetBytes(value, s[1..]);
            Output.Advance(value.Length + 1);
            return;
        }

        var n = Encoding.UTF8.GetByteCount(value);
        WriteSize(n);
        Encoding.UTF8.GetBytes(value, Output.GetSpan(n));
        Output.Advance(n);
    }

    // BitSet: Size = byte count N; N/8 u64 words in message order; N%8 tail bytes LSB first.
    public void WriteBitSet(BitSet bits)
    {
        var n = bits.WireByteCount();
        WriteSize(n);
        var words = bits.Words;
        var whole = n >> 3;
        for (var i = 0; i < whole; i++)
        {
            WriteUInt64(words[i]);
        }

        for (var i = whole * 8; i < n; i++)
        {
            WriteByte((byte)(words[whole] >> ((i - (whole * 8)) * 8)));
        }
    }

    // Status: OK without text is the single byte 0xFF; otherwise type, message, call tree.
    public void WriteStatus(PvaStatus status)
    {
        if (status.Type == StatusType.Ok && string.IsNullOrEmpty(status.Message) && string.IsNullOrEmpty(status.CallTree))
        {
            WriteByte(0xFF);
            return;
        }

        WriteByte((byte)status.Type);
        WriteString(status.Message ?? string.Empty);
        WriteString(status.CallTree ?? string.Empty);
    }

    /// <summary>Array element bytes (host order) in message order: copied, or swapped when the orders differ.</summary>
    public void WriteElements(ReadOnlySpan<byte> source, int elementSize)
    {
        var dst = Output.GetSpan(source.Length)[..source.Length];
        if (elementSize == 1 || BigEndian == !BitConverter.IsLittleEndian)
        {
            source.CopyTo(dst);
        }
        else
        {
            switch (elementSize)
            {
                case 2:
                    BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, ushort>(source), MemoryMarshal.Cast<byte, ushort>(dst));
                    break;
                case 4:
                    BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, uint>(source), MemoryMarshal.Cast<byte, uint>(dst));
                    break;
                default:
                    BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, ulong>(source), MemoryMarshal.Cast<byte, ulong>(dst));
                    break;
            }
        }

        Output.Advance(source.Length);
    }

    /// <summary>The elements of a numeric array (count not included): spliced when large and already in order.</summary>
    public void WriteArrayElements(PvArray array)
    {
        var size = array.ElementType.ElementSize();
        var sameOrder = size == 1 || BigEndian == !BitConverter.IsLittleEndian;
        if (sameOrder && array.ByteLength >= MessageBuilder.SpliceThreshold && array.TryGetByteSegment(out var segment))
        {
            Output.AddSplice(array, segment);
            return;
        }

        WriteElements(array.Bytes, size);
    }

    // Address: 16 bytes IPv6 (IPv4-mapped for v4) in network order, then u16 port in message order.
    public void WriteAddressAndPort(IPAddress address, int port)
    {
        var bytes = Output.GetSpan(16)[..16];
        var v6 = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? address.MapToIPv6() : address;
        v6.TryWriteBytes(bytes, out _);
        Output.Advance(16);
        WriteUInt16((ushort)port);
    }
}
