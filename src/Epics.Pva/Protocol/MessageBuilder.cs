using System.Buffers;
using Epics.Pva.Data;

namespace Epics.Pva.Protocol;

/// <summary>
/// Collects the bytes of outgoing messages. Small fields go into one growable pooled buffer; large arrays already in
/// the send byte order are not copied but spliced in by reference, so a detector frame goes from its
/// <see cref="PvArray"/> to the socket with no copy of ours (the socket gathers the pieces).
/// </summary>
internal sealed class MessageBuilder : IDisposable
{
    /// <summary>Arrays at least this large are spliced rather than copied.</summary>
    public const int SpliceThreshold = 64 * 1024;

    private readonly List<Splice> _splices = [];
    private byte[] _buffer;
    private int _length;
    private long _splicedBytes;

    public MessageBuilder(int initialCapacity = 4096) => _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);

    /// <summary>Bytes written inline so far (splices not counted); positions for patching are in these terms.</summary>
    public int InlineLength => _length;

    /// <summary>Total bytes of the built messages.</summary>
    public long Length => _length + _splicedBytes;

    public bool HasSplices => _splices.Count > 0;

    public Span<byte> GetSpan(int sizeHint)
    {
        if (_buffer.Length - _length < sizeHint)
        {
            Grow(sizeHint);
        }

        return _buffer.AsSpan(_length);
    }

    public void Advance(int count) => _length += count;

    /// <summary>Inline bytes already written, for patching a header's size field.</summary>
    public Span<byte> WrittenSpan(int start, int length) => _buffer.AsSpan(start, length);

    /// <summary>Splices <paramref name="segment"/> (owned by <paramref name="owner"/>, which is retained until reset).</summary>
    public void AddSplice(PvArray owner, ArraySegment<byte> segment)
    {
        _splices.Add(new Splice(_length, owner.Retain(), segment));
        _splicedBytes += segment.Count;
    }

    /// <summary>Bytes spliced after inline position <paramref name="start"/> (to compute a message's payload size).</summary>
    public long SplicedBytesSince(int start)
    {
        long n = 0;
        for (var i = _splices.Count - 1; i >= 0 && _splices[i].Position >= start; i--)
        {
            n += _splices[i].Segment.Count;
        }

        return n;
    }

    /// <summary>The pieces to send, in order (inline ranges interleaved with spliced arrays).</summary>
    public void GetSegments(List<ArraySegment<byte>> segments)
    {
        var pos = 0;
        foreach (var s in _splices)
        {
            if (s.Position > pos)
            {
                segments.Add(new ArraySegment<byte>(_buffer, pos, s.Position - pos));
            }

            if (s.Segment.Count > 0)
            {
                segments.Add(s.Segment);
            }

            pos = s.Position;
        }

        if (_length > pos)
        {
            segments.Add(new ArraySegment<byte>(_buffer, pos, _length - pos));
        }
    }

    /// <summary>All bytes as one array (tests, UDP).</summary>
    public byte[] ToArray()
    {
        var result = new byte[Length];
        var offset = 0;
        var segments = new List<ArraySegment<byte>>();
        GetSegments(segments);
        foreach (var s in segments)
        {
            s.AsSpan().CopyTo(result.AsSpan(offset));
            offset += s.Count;
        }

        return result;
    }

    /// <summary>Drops everything written after inline position <paramref name="start"/> (a message that failed to encode).</summary>
    public void Truncate(int start)
    {
        for (var i = _splices.Count - 1; i >= 0 && _splices[i].Position >= start; i--)
        {
            _splicedBytes -= _splices[i].Segment.Count;
            _splices[i].Owner.Dispose();
            _splices.RemoveAt(i);
        }

        _length = Math.Min(_length, start);
    }

    /// <summary>Empties the builder, releasing spliced arrays; the inline buffer is kept for reuse.</summary>
    public void Reset()
    {
        foreach (var s in _splices)
        {
            s.Owner.Dispose();
        }

        _splices.Clear();
        _splicedBytes = 0;
        _length = 0;
    }

    public void Dispose()
    {
        Reset();
        var b = _buffer;
        _buffer = [];
        if (b.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(b);
        }
    }

    private void Grow(int sizeHint)
    {
        var needed = checked(_length + sizeHint);
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _buffer.Length * 2));
        _buffer.AsSpan(0, _length).CopyTo(bigger);
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = bigger;
    }

    private readonly record struct Splice(int Position, PvArray Owner, ArraySegment<byte> Segment);
}
