using System.Buffers.Binary;

namespace Epics.Ca.Protocol;

/// <summary>
/// A CA message header (pva-protocol §11.2): 16 bytes, big-endian, or 24 bytes in the extended form used when the
/// payload size or the element count does not fit in 16 bits.
/// </summary>
internal readonly record struct CaHeader(ushort Command, uint PayloadSize, ushort DataType, uint Count, uint Parameter1, uint Parameter2)
{
    public const int Size = 16;
    public const int ExtendedSize = 24;

    public bool IsExtended => PayloadSize >= 0xFFFF || Count >= 0xFFFF;

    public int EncodedSize => IsExtended ? ExtendedSize : Size;

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, Command);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], DataType);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], Parameter1);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], Parameter2);
        if (IsExtended)
        {
            BinaryPrimitives.WriteUInt16BigEndian(destination[2..], 0xFFFF);
            BinaryPrimitives.WriteUInt16BigEndian(destination[6..], 0);
            BinaryPrimitives.WriteUInt32BigEndian(destination[16..], PayloadSize);
            BinaryPrimitives.WriteUInt32BigEndian(destination[20..], Count);
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)PayloadSize);
            BinaryPrimitives.WriteUInt16BigEndian(destination[6..], (ushort)Count);
        }
    }

    /// <summary>Reads a header; false when <paramref name="source"/> is too short to hold all of it.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out CaHeader header, out int headerSize)
    {
        header = default;
        headerSize = 0;
        if (source.Length < Size)
        {
            return false;
        }

        var command = BinaryPrimitives.ReadUInt16BigEndian(source);
        uint size = BinaryPrimitives.ReadUInt16BigEndian(source[2..]);
        var type = BinaryPrimitives.ReadUInt16BigEndian(source[4..]);
        uint count = BinaryPrimitives.ReadUInt16BigEndian(source[6..]);
        var p1 = BinaryPrimitives.ReadUInt32BigEndian(source[8..]);
        var p2 = BinaryPrimitives.ReadUInt32BigEndian(source[12..]);
        headerSize = Size;
        if (size == 0xFFFF)
        {
            if (source.Length < ExtendedSize)
            {
                return false;
            }

            size = BinaryPrimitives.ReadUInt32BigEndian(source[16..]);
            count = BinaryPrimitives.ReadUInt32BigEndian(source[20..]);
            headerSize = ExtendedSize;
        }

        header = new CaHeader(command, size, type, count, p1, p2);
        return true;
    }

    public override string ToString() =>
        $"{CaCommand.Name(Command)} size={PayloadSize} type={DataType} count={Count} p1={Parameter1} p2={Parameter2}";
}
