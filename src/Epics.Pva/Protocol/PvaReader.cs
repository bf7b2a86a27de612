using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Epics.Pva.Data;

namespace Epics.Pva.Protocol;

/// <summary>
/// Decodes the primitive encodings (pva-protocol §2) from one complete message payload, in the byte order of that
/// message. Every read is bounds-checked against the payload, so a hostile size can never make us allocate more than
/// the message holds; any violation throws <see cref="PvaProtocolException"/>.
/// </summary>
internal ref struct PvaReader
{
    /// <summary>Deepest type/value nesting accepted (pvxs uses 20).</summary>
    public const int MaxDepth = 20;

    private readonly ReadOnlySpan<byte> _buffer;
    private int _position;
    private int _fieldsLeft;

    public PvaReader(ReadOnlySpan<byte> buffer, bool bigEndian, TypeRegistry? types = null, ReceiveBuffer? backing = null)
    {
        Backing = backing;
        _buffer = buffer;
        BigEndian = bigEndian;
        Types = types;
        Limits = types?.Limits ?? PvaLimits.Default;
        _fieldsLeft = Limits.MaxMessageFields;
    }

    /// <summary>The bounds this message is decoded under (the connection's, through its type cache).</summary>
    public readonly PvaLimits Limits { get; }

    /// <summary>
    /// Accounts for <paramref name="fields"/> fields about to be created (type nodes or value nodes) against the
    /// message's budget (<see cref="PvaLimits.MaxMessageFields"/>); a protocol error when it runs out.
    /// </summary>
    public void ChargeFields(int fields)
    {
        _fieldsLeft -= fields;
        if (_fieldsLeft < 0 || fields < 0)
        {
            ProtocolErrors.Throw($"message expands to more than {Limits.MaxMessageFields} fields");
        }
    }

    public readonly bool BigEndian { get; }

    /// <summary>The receive-direction type cache of the connection (null on UDP, where no cache exists).</summary>
    public readonly TypeRegistry? Types { get; }

    /// <summary>The pooled buffer the payload lives in, when a large array may take it over instead of copying.</summary>
    public readonly ReceiveBuffer? Backing { get; }

    public readonly int Position => _position;

    public readonly int Remaining => _buffer.Length - _position;

    public readonly bool IsEmpty => _position >= _buffer.Length;

    public readonly ReadOnlySpan<byte> RemainingSpan => _buffer[_position..];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<byte> ReadBytes(int count)
    {
        if ((uint)count > (uint)Remaining)
        {
            ProtocolErrors.Truncated(count, Remaining);
        }

        var span = _buffer.Slice(_position, count);
        _position += count;
        return span;
    }

    public void Skip(int count) => ReadBytes(count);

    public byte ReadByte()
    {
        if (_position >= _buffer.Length)
        {
            ProtocolErrors.Truncated(1, 0);
        }

        return _buffer[_position++];
    }

    public bool ReadBoolean() => ReadByte() != 0;

    public short ReadInt16() => BigEndian ? BinaryPrimitives.ReadInt16BigEndian(ReadBytes(2)) : BinaryPrimitives.ReadInt16LittleEndian(ReadBytes(2));

    public ushort ReadUInt16() => (ushort)ReadInt16();

    public int ReadInt32() => BigEndian ? BinaryPrimitives.ReadInt32BigEndian(ReadBytes(4)) : BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4));

    public uint ReadUInt32() => (uint)ReadInt32();

    public long ReadInt64() => BigEndian ? BinaryPrimitives.ReadInt64BigEndian(ReadBytes(8)) : BinaryPrimitives.ReadInt64LittleEndian(ReadBytes(8));

    public ulong ReadUInt64() => (ulong)ReadInt64();

    public float ReadFloat() => BitConverter.Int32BitsToSingle(ReadInt32());

    public double ReadDouble() => BitConverter.Int64BitsToDouble(ReadInt64());

    /// <summary>Size (§2.2): 0-253 inline, 254 + 32-bit. 255 ("null") reads as -1.</summary>
    public int ReadSize()
    {
        var b = ReadByte();
        if (b < 254)
        {
            return b;
        }

        if (b == 255)
        {
            return -1;
        }

        var size = ReadInt32();
        if (size < 0)
        {
            ProtocolErrors.Throw($"size {(uint)size} out of range");
        }

        return size;
    }

    /// <summary>A Size used as an element count: must be non-negative and fit in what is left of the message.</summary>
    public int ReadCount(int minBytesPerElement)
    {
        var n = ReadSize();
        if (n < 0)
        {
            return 0;
        }

        if ((long)n * Math.Max(1, minBytesPerElement) > Remaining)
        {
            ProtocolErrors.Throw($"count {n} exceeds the {Remaining} bytes left in the message");
        }

        return n;
    }

    /// <summary>Selector (§2.3): like Size, 255 = no member (-1).</summary>
    public int ReadSelector() => ReadSize();

    /// <summary>String (§2.4): Size bytes of UTF-8; 255 reads as empty.</summary>
    public string ReadString()
    {
        var n = ReadSize();
        if (n <= 0)
        {
            return string.Empty;
        }

        return Encoding.UTF8.GetString(ReadBytes(n));
    }

    /// <summary>BitSet (§2.5) into <paramref name="into"/> (cleared first).</summary>
    public void ReadBitSet(BitSet into)
    {
        into.Clear();
        var n = ReadCount(1);
        if (n == 0)
        {
            return;
        }

        var bytes = ReadBytes(n);
        var words = into.WritableWords((n + 7) >> 3);
        var whole = n >> 3;
        for (var i = 0; i < whole; i++)
        {
            var w = bytes.Slice(i * 8, 8);
            words[i] = BigEndian ? BinaryPrimitives.ReadUInt64BigEndian(w) : BinaryPrimitives.ReadUInt64LittleEndian(w);
        }

        // The tail bytes are always least significant first, whatever the message byte order.
        ulong tail = 0;
        for (var i = whole * 8; i < n; i++)
        {
            tail |= (ulong)bytes[i] << ((i - (whole * 8)) * 8);
        }

        if (n % 8 != 0)
        {
            words[whole] = tail;
        }
    }

    public BitSet ReadBitSet()
    {
        var b = new BitSet();
        ReadBitSet(b);
        return b;
    }

    /// <summary>Status (§2.6).</summary>
    public PvaStatus ReadStatus()
    {
        var type = ReadByte();
        if (type == 0xFF)
        {
            return PvaStatus.Ok;
        }

        if (type > 3)
        {
            ProtocolErrors.Throw($"invalid status type {type}");
        }

        var message = ReadString();
        var callTree = ReadString();
        return new PvaStatus((StatusType)type, message, callTree);
    }

    /// <summary>
    /// Reads <paramref name="destination"/>.Length bytes of array elements of <paramref name="elementSize"/> bytes into
    /// host order: one block copy, or a vectorised byte swap when the message order differs from the host's.
    /// </summary>
    public void ReadElements(Span<byte> destination, int elementSize)
    {
        var src = ReadBytes(destination.Length);
        if (elementSize == 1 || BigEndian == !BitConverter.IsLittleEndian)
        {
            src.CopyTo(destination);
            return;
        }

        switch (elementSize)
        {
            case 2:
                BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, ushort>(src), MemoryMarshal.Cast<byte, ushort>(destination));
                break;
            case 4:
                BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, uint>(src), MemoryMarshal.Cast<byte, uint>(destination));
                break;
            default:
                BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, ulong>(src), MemoryMarshal.Cast<byte, ulong>(destination));
                break;
        }
    }

    /// <summary>
    /// Hands the next <paramref name="byteCount"/> bytes over in place (no copy) when the payload is in a pooled buffer
    /// that nothing else has taken yet; the caller then owns <paramref name="buffer"/> from <paramref name="offset"/>.
    /// </summary>
    public bool TryAdopt(int byteCount, out byte[] buffer, out int offset)
    {
        if (Backing is { Adopted: false, Buffer: { } b } backing && (uint)byteCount <= (uint)Remaining)
        {
            backing.Adopted = true;
            buffer = b;
            offset = backing.Offset + _position;
            _position += byteCount;
            return true;
        }

        buffer = [];
        offset = 0;
        return false;
    }

    /// <summary>16-byte IPv6 (or v4-mapped) address, always network order, then a u16 port in message order.</summary>
    public System.Net.IPEndPoint ReadAddressAndPort()
    {
        var addr = new System.Net.IPAddress(ReadBytes(16));
        var port = ReadUInt16();
        if (addr.IsIPv4MappedToIPv6)
        {
            addr = addr.MapToIPv4();
        }

        return new System.Net.IPEndPoint(addr, port);
    }
}
