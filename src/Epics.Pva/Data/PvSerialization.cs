using System.Buffers;
using Epics.Pva.Protocol;

namespace Epics.Pva.Data;

/// <summary>
/// A whole value as one self-describing block of bytes: its full type description followed by its full value, in the
/// PVA wire encoding (pva-protocol §3, §4), little-endian. For storing or wrapping values outside a connection (the
/// encrypting processors keep frames this way); structure ids, unions, variants and arrays all survive the round trip.
/// </summary>
public static class PvSerialization
{
    /// <summary>Appends the type and value of <paramref name="value"/> to <paramref name="output"/>.</summary>
    public static void Serialize(PvValue value, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(output);
        using var builder = new MessageBuilder();
        var writer = new PvaWriter(builder, bigEndian: false);
        TypeCodec.Write(writer, value.Type);
        ValueCodec.WriteFull(writer, value);
        var segments = new List<ArraySegment<byte>>();
        builder.GetSegments(segments);
        foreach (var segment in segments)
        {
            output.Write(segment);
        }
    }

    /// <summary>The type and value of <paramref name="value"/> in a new array.</summary>
    public static byte[] Serialize(PvValue value)
    {
        var output = new ArrayBufferWriter<byte>();
        Serialize(value, output);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>The value <paramref name="bytes"/> hold (as written by <see cref="Serialize(PvValue)"/>); arrays are copied out.</summary>
    /// <exception cref="PvaProtocolException">The bytes are not a whole serialized value.</exception>
    public static PvValue Deserialize(ReadOnlySpan<byte> bytes)
    {
        var reader = new PvaReader(bytes, bigEndian: false);
        var type = TypeCodec.ReadRequired(ref reader);
        var value = new PvValue(type);
        ValueCodec.ReadFull(ref reader, value);
        if (!reader.IsEmpty)
        {
            ProtocolErrors.Throw($"{reader.Remaining} bytes left after the serialized value");
        }

        return value;
    }
}
