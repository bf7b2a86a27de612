using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Epics.Pva.Protocol.Messages;

/// <summary>
/// The 12-byte server GUID (pva-protocol §2.8): random per server start, carried by search responses and beacons so
/// clients can tell servers apart and notice restarts. Opaque bytes, compared by value.
/// </summary>
internal readonly struct PvaGuid : IEquatable<PvaGuid>
{
    public const int Size = 12;

    // Stored as two big-endian integers of the wire bytes, so equality and hashing are cheap.
    private readonly ulong _high;
    private readonly uint _low;

    public PvaGuid(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new ArgumentException($"a PVA GUID is {Size} bytes, not {bytes.Length}", nameof(bytes));
        }

        _high = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        _low = BinaryPrimitives.ReadUInt32BigEndian(bytes[8..]);
    }

    public static PvaGuid NewRandom()
    {
        Span<byte> bytes = stackalloc byte[Size];
        RandomNumberGenerator.Fill(bytes);
        return new PvaGuid(bytes);
    }

    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _high);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], _low);
    }

    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        WriteTo(bytes);
        return bytes;
    }

    public bool Equals(PvaGuid other) => _high == other._high && _low == other._low;

    public override bool Equals(object? obj) => obj is PvaGuid other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_high, _low);

    public override string ToString() => Convert.ToHexString(ToArray());

    public static bool operator ==(PvaGuid left, PvaGuid right) => left.Equals(right);

    public static bool operator !=(PvaGuid left, PvaGuid right) => !left.Equals(right);

    internal static PvaGuid Read(ref PvaReader reader) => new(reader.ReadBytes(Size));

    internal void Write(PvaWriter writer)
    {
        Span<byte> bytes = stackalloc byte[Size];
        WriteTo(bytes);
        writer.WriteBytes(bytes);
    }
}
