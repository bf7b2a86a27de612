using Epics.Pva.Protocol;

namespace Epics.Pva.Transport.Discovery;

/// <summary>
/// Walks the PVA messages packed into one UDP datagram (pva-protocol §5.1: e.g. ORIGIN_TAG + SEARCH). Every message is
/// read in its own byte order. Control messages and segmentation never occur on UDP, so either makes the whole
/// datagram malformed, as does a size running past the end (pvxs drops such datagrams too).
/// </summary>
internal ref struct DatagramReader
{
    private readonly ReadOnlySpan<byte> _datagram;
    private int _position;

    public DatagramReader(ReadOnlySpan<byte> datagram) => _datagram = datagram;

    /// <summary>Offset of the message returned by the last <see cref="TryReadNext"/> (its header).</summary>
    public int MessageOffset { get; private set; }

    /// <summary>Next message, or false at the end. Throws <see cref="PvaProtocolException"/> on malformed bytes.</summary>
    public bool TryReadNext(out PvaHeader header, out ReadOnlySpan<byte> payload)
    {
        if (_position >= _datagram.Length)
        {
            header = default;
            payload = default;
            return false;
        }

        header = PvaHeader.Read(_datagram[_position..]);
        if (header.IsControl || header.Segment != 0)
        {
            ProtocolErrors.Throw($"control or segmented message (flags 0x{header.Flags:X2}) in a UDP datagram");
        }

        var start = _position + PvaHeader.Size;
        if (header.PayloadSize > (uint)(_datagram.Length - start))
        {
            ProtocolErrors.Throw($"message claims {header.PayloadSize} payload bytes, the datagram has {_datagram.Length - start} left");
        }

        MessageOffset = _position;
        payload = _datagram.Slice(start, (int)header.PayloadSize);
        _position = start + (int)header.PayloadSize;
        return true;
    }
}
