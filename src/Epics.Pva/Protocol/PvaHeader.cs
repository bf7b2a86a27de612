using System.Buffers.Binary;

namespace Epics.Pva.Protocol;

/// <summary>
/// The 8-byte header of every PVA message (pva-protocol §1.1): magic 0xCA, version, flags, command, then a u32 that is
/// the payload size for application messages and a value for control messages.
/// </summary>
internal readonly record struct PvaHeader(byte Version, byte Flags, byte Command, uint PayloadSize)
{
    public const int Size = 8;
    public const byte Magic = 0xCA;

    /// <summary>The protocol revision we speak (pvAccessCPP ≥ 7.0.3 and pvxs send 2).</summary>
    public const byte CurrentVersion = 2;

    public const byte FlagControl = 0x01;
    public const byte SegmentMask = 0x30;
    public const byte SegmentFirst = 0x10;
    public const byte SegmentLast = 0x20;
    public const byte SegmentMiddle = 0x30;
    public const byte FlagServer = 0x40;
    public const byte FlagBigEndian = 0x80;

    public bool IsControl => (Flags & FlagControl) != 0;

    public bool IsFromServer => (Flags & FlagServer) != 0;

    public bool IsBigEndian => (Flags & FlagBigEndian) != 0;

    public byte Segment => (byte)(Flags & SegmentMask);

    /// <summary>Decodes a header, checking the magic and the version (0 is invalid).</summary>
    public static PvaHeader Read(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < Size)
        {
            ProtocolErrors.Truncated(Size, bytes.Length);
        }

        if (bytes[0] != Magic)
        {
            ProtocolErrors.Throw($"bad magic byte 0x{bytes[0]:X2}");
        }

        if (bytes[1] == 0)
        {
            ProtocolErrors.Throw("protocol version 0 is invalid");
        }

        var flags = bytes[2];
        var size = (flags & FlagBigEndian) != 0 ? BinaryPrimitives.ReadUInt32BigEndian(bytes[4..]) : BinaryPrimitives.ReadUInt32LittleEndian(bytes[4..]);
        return new PvaHeader(bytes[1], flags, bytes[3], size);
    }

    /// <summary>Writes a header for a message sent by a server or a client in the given byte order.</summary>
    public static void Write(Span<byte> destination, bool fromServer, bool bigEndian, byte command, uint payloadSize, bool control = false, byte segment = 0)
    {
        destination[0] = Magic;
        destination[1] = CurrentVersion;
        destination[2] = (byte)((control ? FlagControl : 0) | segment | (fromServer ? FlagServer : 0) | (bigEndian ? FlagBigEndian : 0));
        destination[3] = command;
        if (bigEndian)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination[4..], payloadSize);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], payloadSize);
        }
    }

    /// <summary>
    /// Starts an application message in <paramref name="builder"/>: reserves the header, returns its position for
    /// <see cref="End"/>, which fills in the payload size once the payload is written.
    /// </summary>
    public static int Begin(MessageBuilder builder)
    {
        var start = builder.InlineLength;
        builder.GetSpan(Size);
        builder.Advance(Size);
        return start;
    }

    /// <summary>Completes a message started with <see cref="Begin"/>.</summary>
    public static void End(MessageBuilder builder, int start, bool fromServer, bool bigEndian, PvaCommand command)
    {
        var payload = builder.InlineLength - start - Size + builder.SplicedBytesSince(start);
        if (payload > int.MaxValue)
        {
            throw new InvalidOperationException($"message of {payload} bytes is too large to send");
        }

        Write(builder.WrittenSpan(start, Size), fromServer, bigEndian, (byte)command, (uint)payload);
    }
}
