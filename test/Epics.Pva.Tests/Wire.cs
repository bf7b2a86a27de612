using System.Globalization;
using System.Text;
using Epics.Pva.Protocol;

namespace Epics.Pva.Tests;

/// <summary>Byte helpers for golden tests: hex text with "quoted strings" and the encode/decode assertions.</summary>
internal static class Wire
{
    public delegate void ReadAction(ref PvaReader reader);

    /// <summary>
    /// Parses "80 0B \"timeStamp_t\" 03": hex bytes, and quoted text that becomes its UTF-8 bytes.
    /// </summary>
    public static byte[] Hex(string text)
    {
        var bytes = new List<byte>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c) || c == '|')
            {
                i++;
            }
            else if (c == '"')
            {
                var end = text.IndexOf('"', i + 1);
                bytes.AddRange(Encoding.UTF8.GetBytes(text[(i + 1)..end]));
                i = end + 1;
            }
            else
            {
                bytes.Add(byte.Parse(text.AsSpan(i, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                i += 2;
            }
        }

        return [.. bytes];
    }

    public static string ToHex(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes);

    public static byte[] Encode(bool bigEndian, Action<PvaWriter> write)
    {
        using var builder = new MessageBuilder();
        write(new PvaWriter(builder, bigEndian));
        return builder.ToArray();
    }

    public static void AssertEncodes(bool bigEndian, Action<PvaWriter> write, string expectedHex) =>
        Assert.Equal(ToHex(Hex(expectedHex)), ToHex(Encode(bigEndian, write)));

    /// <summary>Runs <paramref name="read"/> over the bytes and checks it consumed all of them.</summary>
    public static void AssertDecodes(bool bigEndian, string hex, ReadAction read, TypeRegistry? types = null)
    {
        var bytes = Hex(hex);
        var reader = new PvaReader(bytes, bigEndian, types);
        read(ref reader);
        Assert.True(reader.IsEmpty, $"{reader.Remaining} bytes left unread");
    }
}
