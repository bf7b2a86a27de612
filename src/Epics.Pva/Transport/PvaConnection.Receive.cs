using System.Net.Sockets;
using Epics.Pva.Data;
using Epics.Pva.Protocol;

namespace Epics.Pva.Transport;

// The receive side: framing, large messages read straight into their own pooled buffer, segment reassembly.
internal abstract partial class PvaConnection
{
    private const int ReceiveBufferSize = 256 * 1024;

    // Messages from this size up are read straight into a pooled buffer of their own, which the decoded array may keep
    // (the same size from which a sender splices arrays by reference); smaller ones are read in batches into _rx.
    private const int OwnBufferBytes = MessageBuilder.SpliceThreshold;

    // While a large payload arrives, the socket wakes the reader only once this much of it (or all that is left) is
    // queued (SO_RCVLOWAT): a few large reads per frame instead of one per arriving chunk, each a thread-pool hop.
    // Linux caps it at half the receive buffer, which it grows to fit, so a reader is never left waiting (other
    // systems are left alone). It never exceeds what is left of the message, and goes back to 1 right after it.
    private const int LowWaterBytes = 1024 * 1024;

    // A large message gets a buffer of its claimed size up to this at once (every detector frame up to 64 MiB is read
    // with no copy); beyond it the buffer grows as bytes arrive, so a header alone cannot make us reserve a gigabyte.
    private const int ReserveAhead = 64 * 1024 * 1024;

    private readonly byte[] _rx = GC.AllocateUninitializedArray<byte>(ReceiveBufferSize, pinned: true);
    private int _rxStart;
    private int _rxEnd;

    // Set after a large message: the next header is read alone, so the frame after it lands in its own buffer
    // instead of partly in _rx (a copy of up to 256 KiB per frame otherwise).
    private bool _afterLarge;
    private int _lowWater = 1;
    private bool _lowWaterUnsupported = !OperatingSystem.IsLinux();
    private readonly ReceiveBuffer _largeBacking = new();
    private readonly ReceiveBuffer _segmentBacking = new();
    private ReceiveBuffer? _dispatchBacking;
    private byte[]? _segmentBuffer;
    private int _segmentLength;
    private byte _segmentCommand;
    private bool _segmentOpen;
    private int _lastSegmentedLength;

    private async Task ReceiveLoopAsync()
    {
        var reason = "connection closed by peer";
        try
        {
            while (true)
            {
                await BeforeReceiveAsync(_closed.Token).ConfigureAwait(false);
                if (!await FillAsync(PvaHeader.Size).ConfigureAwait(false))
                {
                    break;
                }

                var header = PvaHeader.Read(_rx.AsSpan(_rxStart, PvaHeader.Size));
                if (header.IsFromServer == IsServer)
                {
                    ProtocolErrors.Throw(IsServer ? "message with the server direction flag from a client" : "message without the server direction flag");
                }

                if (header.IsControl)
                {
                    _rxStart += PvaHeader.Size;
                    OnControl(header);
                    continue;
                }

                if (header.PayloadSize > (uint)Limits.MaxMessageSize)
                {
                    ProtocolErrors.Throw($"message of {header.PayloadSize} bytes is over the limit of {Limits.MaxMessageSize}");
                }

                var size = (int)header.PayloadSize;
                if (size < OwnBufferBytes)
                {
                    if (!await FillAsync(PvaHeader.Size + size).ConfigureAwait(false))
                    {
                        reason = "connection closed mid-message";
                        break;
                    }

                    var start = _rxStart + PvaHeader.Size;
                    _rxStart = start + size;
                    Deliver(header, _rx.AsSpan(start, size), null);
                }
                else
                {
                    // A large message (a detector frame, from 64 KiB): read it straight into a pooled buffer of its size, which the
                    // decoded array may then keep (no copy out of the message). Whatever of it the small-message buffer
                    // already holds is copied; in a stream of frames that is nothing (see _afterLarge).
                    var buffer = FrameBufferPool.Shared.Rent(Math.Min(size, ReserveAhead));
                    try
                    {
                        _rxStart += PvaHeader.Size;
                        var have = Math.Min(_rxEnd - _rxStart, size);
                        _rx.AsSpan(_rxStart, have).CopyTo(buffer);
                        _rxStart += have;
                        while (have < size)
                        {
                            if (have == buffer.Length)
                            {
                                var bigger = FrameBufferPool.Shared.Rent((int)Math.Min(size, 2L * buffer.Length));
                                buffer.AsSpan(0, have).CopyTo(bigger);
                                FrameBufferPool.Shared.Return(buffer);
                                buffer = bigger;
                            }

                            var want = Math.Min(size, buffer.Length) - have;
                            SetLowWater(Math.Min(size - have, LowWaterBytes));
                            var n = await _socket.ReceiveAsync(buffer.AsMemory(have, want), SocketFlags.None, _closed.Token).ConfigureAwait(false);
                            if (n == 0)
                            {
                                throw new EndOfStreamException("connection closed mid-message");
                            }

                            have += n;
                            Interlocked.Exchange(ref _lastReceiveTimestamp, TimeProvider.GetTimestamp());
                        }

                        SetLowWater(1);
                        _afterLarge = true;
                        _largeBacking.Reset(buffer, 0, FrameBufferPool.Shared);

                        Deliver(header, buffer.AsSpan(0, size), _largeBacking);
                    }
                    finally
                    {
                        if (!_largeBacking.Adopted)
                        {
                            FrameBufferPool.Shared.Return(buffer);
                        }

                        _largeBacking.Reset(null, 0, FrameBufferPool.Shared);
                    }
                }
            }
        }
        catch (PvaProtocolException e)
        {
            reason = "protocol error: " + e.Message;
            if (LogRateLimiter.ProtocolErrorsOf(Logger).TryAcquire(out var suppressed))
            {
                Log.ProtocolError(Logger, PeerName, suppressed == 0 ? e.Message : $"{e.Message} ({suppressed} more protocol errors not logged)");
            }
        }
        catch (OperationCanceledException)
        {
            reason = _closeReason ?? "closed";
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
        {
            reason = _closeReason ?? e.Message;
        }
        catch (Exception e)
        {
            reason = "internal error: " + e.Message;
            Log.HandlerError(Logger, PeerName, e);
        }

        Close(reason);
    }

    // Reassembles segmented messages (pva-protocol §1.6) and dispatches whole payloads.
    private void Deliver(in PvaHeader header, ReadOnlySpan<byte> payload, ReceiveBuffer? backing)
    {
        var segment = header.Segment;
        if (segment == 0)
        {
            if (_segmentOpen)
            {
                ProtocolErrors.Throw("unsegmented message inside a segmented one");
            }

            Dispatch(header, payload, backing);
            return;
        }

        if (segment == PvaHeader.SegmentFirst)
        {
            if (_segmentOpen)
            {
                ProtocolErrors.Throw("first segment while a segmented message is open");
            }

            _segmentOpen = true;
            _segmentCommand = header.Command;
            _segmentLength = 0;
        }
        else if (!_segmentOpen)
        {
            if (payload.Length == 0)
            {
                return; // pvAccessCPP may send stray empty continuation segments
            }

            ProtocolErrors.Throw("continuation segment without a first segment");
        }
        else if (header.Command != _segmentCommand)
        {
            ProtocolErrors.Throw("segment of a different command");
        }

        AppendSegment(payload);
        if (segment == PvaHeader.SegmentLast)
        {
            _segmentOpen = false;
            _lastSegmentedLength = _segmentLength;
            var whole = header with { Flags = (byte)(header.Flags & ~PvaHeader.SegmentMask), PayloadSize = (uint)_segmentLength };
            _segmentBacking.Reset(_segmentBuffer, 0, FrameBufferPool.Shared);
            Dispatch(whole, _segmentBuffer.AsSpan(0, _segmentLength), _segmentBacking);
            if (_segmentBacking.Adopted)
            {
                _segmentBuffer = null; // an array owns it now; the next segmented message gets a fresh one
            }

            _segmentBacking.Reset(null, 0, FrameBufferPool.Shared);
            _segmentLength = 0;
        }
    }

    private void Dispatch(in PvaHeader header, ReadOnlySpan<byte> payload, ReceiveBuffer? backing)
    {
        _dispatchBacking = backing;
        try
        {
            OnMessage(header, payload);
        }
        finally
        {
            _dispatchBacking = null;
        }
    }

    private void AppendSegment(ReadOnlySpan<byte> payload)
    {
        var needed = (long)_segmentLength + payload.Length;
        if (needed > Limits.MaxMessageSize)
        {
            ProtocolErrors.Throw($"segmented message grows over the limit of {Limits.MaxMessageSize} bytes");
        }

        if (_segmentLength == 0 && _lastSegmentedLength > (_segmentBuffer?.Length ?? 0))
        {
            // Detector frames repeat their size: a new segmented message starts with room for the previous one
            // (capped as a header's claim is), so equal frames are reassembled with no regrowth and no extra copy,
            // in a buffer hardly larger than the frame rather than up to twice it.
            if (_segmentBuffer is not null)
            {
                FrameBufferPool.Shared.Return(_segmentBuffer);
            }

            _segmentBuffer = FrameBufferPool.Shared.Rent((int)Math.Min(Math.Max(needed, _lastSegmentedLength), Math.Max(needed, ReserveAhead)));
        }

        if (_segmentBuffer is null || _segmentBuffer.Length < needed)
        {
            var bigger = FrameBufferPool.Shared.Rent((int)Math.Max(needed, Math.Min(Limits.MaxMessageSize, (_segmentBuffer?.Length ?? 0) * 2L)));
            if (_segmentBuffer is not null)
            {
                _segmentBuffer.AsSpan(0, _segmentLength).CopyTo(bigger);
                FrameBufferPool.Shared.Return(_segmentBuffer);
            }

            _segmentBuffer = bigger;
        }

        payload.CopyTo(_segmentBuffer.AsSpan(_segmentLength));
        _segmentLength += payload.Length;
    }

    private void SetLowWater(int bytes)
    {
        if (bytes == _lowWater || _lowWaterUnsupported)
        {
            return;
        }

        try
        {
            _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReceiveLowWater, bytes);
            _lowWater = bytes;
        }
        catch (SocketException)
        {
            _lowWaterUnsupported = true; // not every platform lets it be set; reads are then just smaller
        }
    }

    // Makes at least `count` bytes available from _rxStart; false at a clean end of stream.
    private async ValueTask<bool> FillAsync(int count)
    {
        if (_rxEnd - _rxStart >= count)
        {
            return true;
        }

        if (_rx.Length - _rxStart < count)
        {
            _rx.AsSpan(_rxStart, _rxEnd - _rxStart).CopyTo(_rx);
            _rxEnd -= _rxStart;
            _rxStart = 0;
        }

        var exact = _afterLarge;
        _afterLarge = false;
        while (_rxEnd - _rxStart < count)
        {
            var room = exact ? count - (_rxEnd - _rxStart) : _rx.Length - _rxEnd;
            var n = await _socket.ReceiveAsync(_rx.AsMemory(_rxEnd, room), SocketFlags.None, _closed.Token).ConfigureAwait(false);
            if (n == 0)
            {
                if (_rxEnd - _rxStart > 0)
                {
                    throw new EndOfStreamException("connection closed mid-message");
                }

                return false;
            }

            _rxEnd += n;
            Interlocked.Exchange(ref _lastReceiveTimestamp, TimeProvider.GetTimestamp());
        }

        return true;
    }
}
