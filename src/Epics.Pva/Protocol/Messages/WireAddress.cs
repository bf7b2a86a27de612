using System.Net;
using System.Net.Sockets;

namespace Epics.Pva.Protocol.Messages;

/// <summary>
/// The 16-byte address of search, search-response, beacon and origin-tag messages (pva-protocol §2.7): IPv6 in network
/// order, IPv4 as v4-mapped. "Unspecified" (<c>::</c> or <c>::ffff:0.0.0.0</c>) means "use the UDP source address".
/// </summary>
internal static class WireAddress
{
    public const int Size = 16;

    /// <summary>Reads an address; v4-mapped (and the v4-compatible form pvAccessCPP also accepts) become IPv4.</summary>
    public static IPAddress Read(ref PvaReader reader)
    {
        var bytes = reader.ReadBytes(Size);
        var prefixZero = bytes[..10].IndexOfAnyExcept((byte)0) < 0;
        var mapped = bytes[10] == 0xFF && bytes[11] == 0xFF;
        // v4-compatible (::a.b.c.d) but not ::1, the IPv6 loopback.
        var compatible = bytes[10] == 0 && bytes[11] == 0 && (bytes[12] != 0 || bytes[13..].IndexOfAnyExcept((byte)0) < 0);
        if (prefixZero && (mapped || compatible))
        {
            return new IPAddress(bytes[12..]);
        }

        return new IPAddress(bytes);
    }

    /// <summary>Writes an address; unspecified (any family) is written as <c>::ffff:0.0.0.0</c> like pvAccessCPP.</summary>
    public static void Write(PvaWriter writer, IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[Size];
        bytes.Clear();
        if (IsUnspecified(address) || address.AddressFamily == AddressFamily.InterNetwork)
        {
            bytes[10] = 0xFF;
            bytes[11] = 0xFF;
            if (!IsUnspecified(address))
            {
                address.TryWriteBytes(bytes[12..], out _);
            }
        }
        else
        {
            address.TryWriteBytes(bytes, out _);
        }

        writer.WriteBytes(bytes);
    }

    public static bool IsUnspecified(IPAddress address) =>
        address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.Any.MapToIPv6());
}
