namespace Epics.Ca.Protocol;

/// <summary>
/// Splits a CA byte stream (TCP) or datagram (UDP) into messages. The returned payloads point into the reader's
/// buffer and stay valid until the next read.
/// </summary>
internal sealed class CaMessageReader
{
    private readonly Stream _stream;
    private readonly int _maxPayload;
    private byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;

    public CaMessageReader(Stream stream, int maxPayload)
    {
        _stream = stream;
        _maxPayload = maxPayload;
    }

    /// <summary>The next message, or null at the end of the stream. Throws <see cref="CaProtocolException"/> on garbage.</summary>
    public async ValueTask<CaMessage?> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (TryParse(_buffer.AsMemory(_start, _end - _start), _maxPayload, out var message, out var used))
            {
                _start += used;
                return message;
            }

            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }

            if (_end == _buffer.Length)
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }

            var n = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                return null;
            }

            _end += n;
        }
    }

    /// <summary>Parses one message from the front of <paramref name="data"/>; false when more bytes are needed.</summary>
    public static bool TryParse(ReadOnlyMemory<byte> data, int maxPayload, out CaMessage message, out int consumed)
    {
        message = default;
        consumed = 0;
        if (!CaHeader.TryRead(data.Span, out var header, out var headerSize))
        {
            return false;
        }

        if (header.Command > CaCommand.Last)
        {
            throw new CaProtocolException($"unknown CA command {header.Command}");
        }

        if (header.PayloadSize > (uint)maxPayload)
        {
            throw new CaProtocolException(
                $"{CaCommand.Name(header.Command)} payload of {header.PayloadSize} bytes exceeds the limit of {maxPayload}");
        }

        var total = headerSize + (int)header.PayloadSize;
        if (data.Length < total)
        {
            return false;
        }

        message = new CaMessage(header, data.Slice(headerSize, (int)header.PayloadSize));
        consumed = total;
        return true;
    }

    /// <summary>All messages of one UDP datagram; a truncated or malformed tail is an error.</summary>
    public static List<CaMessage> ParseDatagram(ReadOnlyMemory<byte> datagram, int maxPayload)
    {
        var list = new List<CaMessage>();
        while (datagram.Length > 0)
        {
            if (!TryParse(datagram, maxPayload, out var m, out var used))
            {
                throw new CaProtocolException($"truncated CA datagram ({datagram.Length} bytes left)");
            }

            list.Add(m);
            datagram = datagram[used..];
        }

        return list;
    }
}
