using System.Net;
using System.Net.Sockets;
using Epics.Ca.Protocol;
using Epics.Ca.Server;
using Microsoft.Extensions.Logging;

namespace Epics.Ca.Transport;

/// <summary>
/// One client's TCP virtual circuit on a <see cref="CaServer"/> (pva-protocol §11.6). Requests are handled in arrival
/// order on the read loop; everything sent goes through one queue, so monitor posts from other threads never interleave
/// bytes with replies. The queue coalesces monitor updates per subscription, and the read loop stops taking requests
/// while more than <see cref="CaServerOptions.MaxQueuedReplyBytes"/> of replies wait, so a client that does not read
/// costs a bounded amount of memory. A circuit with no channel that sends nothing for
/// <see cref="CaServerOptions.IdleTimeout"/> is closed.
/// </summary>
internal sealed class ServerCircuit
{
    private const uint ReadWrite = 3;

    private readonly CaServer _server;
    private readonly Socket _socket;
    private readonly ILogger _logger;
    private readonly CircuitSendQueue _outgoing = new();
    private readonly Lock _lock = new();
    private readonly Dictionary<uint, (uint Cid, CaServerPv Pv)> _channels = [];
    private readonly Dictionary<uint, ServerSubscription> _subscriptions = [];
    private uint _nextSid;
    private bool _eventsOff;

    public ServerCircuit(CaServer server, Socket socket, ILogger logger)
    {
        _server = server;
        _socket = socket;
        _logger = logger;
        Remote = socket.RemoteEndPoint as IPEndPoint ?? new IPEndPoint(IPAddress.None, 0);
    }

    public IPEndPoint Remote { get; }

    public string ClientUser { get; private set; } = string.Empty;

    public string ClientHost { get; private set; } = string.Empty;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var stream = new NetworkStream(_socket, ownsSocket: true);
        var writer = WriteLoopAsync(stream, cancellationToken);
        Send(CaMessages.Version());
        try
        {
            var reader = new CaMessageReader(stream, _server.Options.MaxPayloadBytes);
            while (true)
            {
                // Only a circuit without channels is timed: one with channels may stay silent for hours while it
                // receives updates (CA clients echo only when the server is silent), and TCP keepalive finds it if it
                // is gone. A timed-out read is never resumed, so a half-read message cannot desynchronise the stream.
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                if (ChannelCount == 0)
                {
                    idle.CancelAfter(_server.Options.IdleTimeout);
                }

                CaMessage? message;
                try
                {
                    message = await reader.ReadAsync(idle.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    _logger.LogInformation("closing CA circuit from {Remote}: no channel and nothing received for {Seconds} s", Remote, _server.Options.IdleTimeout.TotalSeconds);
                    break;
                }

                if (message is null)
                {
                    break;
                }

                Handle(message.Value);
                await _outgoing.WaitForRoomAsync(_server.Options.MaxQueuedReplyBytes).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (CaProtocolException e)
        {
            _logger.LogWarning("closing CA circuit from {Remote}: {Reason}", Remote, e.Message);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            _logger.LogDebug("CA circuit from {Remote} ended: {Reason}", Remote, e.Message);
        }
        finally
        {
            Close();
            _outgoing.Complete();
            try
            {
                _socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // already closed by Abort or the peer
            }

            await writer.ConfigureAwait(false);
        }
    }

    public void Abort()
    {
        _outgoing.Complete();
        _socket.Close();
    }

    public void SendUpdate(ServerSubscription subscription, in DbrSource source)
    {
        if (Volatile.Read(ref _eventsOff))
        {
            return;
        }

        var count = ReplyCount(subscription.Pv, subscription.RequestedCount, source);
        var data = DbrCodec.Encode(subscription.Type, count, source);
        if (data is not null)
        {
            _outgoing.EnqueueUpdate(subscription, CaMessages.EventUpdate((ushort)subscription.Type, (uint)count, EcaStatus.Normal, subscription.SubscriptionId, data));
        }
    }

    /// <summary>Monitor updates replaced by a newer one before the client read them.</summary>
    public long CoalescedUpdates => _outgoing.Coalesced;

    private int ChannelCount
    {
        get
        {
            lock (_lock)
            {
                return _channels.Count;
            }
        }
    }

    private void Send(byte[] message) => _outgoing.EnqueueReply(message);

    private async Task WriteLoopAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        try
        {
            while (await _outgoing.DequeueAsync(cancellationToken).ConfigureAwait(false) is { } bytes)
            {
                await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            _logger.LogDebug("CA circuit to {Remote}: send failed: {Reason}", Remote, e.Message);
            _socket.Close();
        }
    }

    private void Handle(CaMessage message)
    {
        var h = message.Header;
        var payload = message.Payload.Span;
        switch (h.Command)
        {
            case CaCommand.Version:
                break;
            case CaCommand.EventsOn:
                EnableEvents();
                break;
            case CaCommand.ClientName:
                ClientUser = DbrCodec.ReadString(payload);
                break;
            case CaCommand.HostName:
                ClientHost = DbrCodec.ReadString(payload);
                break;
            case CaCommand.CreateChan:
                CreateChannel(h, DbrCodec.ReadString(payload));
                break;
            case CaCommand.ReadNotify:
                Read(h);
                break;
            case CaCommand.Write:
            case CaCommand.WriteNotify:
                Write(h, payload);
                break;
            case CaCommand.EventAdd:
                AddEvent(h, payload);
                break;
            case CaCommand.EventCancel:
                CancelEvent(h);
                break;
            case CaCommand.ClearChannel:
                ClearChannel(h);
                break;
            case CaCommand.Echo:
                Send(CaMessages.Echo());
                break;
            case CaCommand.ReadSync:
                Send(CaMessages.Encode(CaCommand.ReadSync, 0, 0, 0, 0));
                break;
            case CaCommand.EventsOff:
                Volatile.Write(ref _eventsOff, true);
                break;
            default:
                _logger.LogDebug("CA circuit from {Remote}: ignoring {Message}", Remote, h);
                break;
        }
    }

    private void EnableEvents()
    {
        Volatile.Write(ref _eventsOff, false);
        ServerSubscription[] subs;
        lock (_lock)
        {
            subs = [.. _subscriptions.Values];
        }

        foreach (var s in subs)
        {
            SendUpdate(s, s.Pv.Snapshot());
        }
    }

    private void CreateChannel(CaHeader h, string name)
    {
        var cid = h.Parameter1;
        var pv = _server.Find(name);
        if (pv is null)
        {
            Send(CaMessages.CreateChannelFailed(cid));
            return;
        }

        uint sid;
        lock (_lock)
        {
            sid = ++_nextSid;
            _channels[sid] = (cid, pv);
        }

        Send(CaMessages.AccessRights(cid, ReadWrite));
        Send(CaMessages.CreateChannelReply((ushort)DbrType.Double, (uint)pv.Capacity, cid, sid));
    }

    private bool TryChannel(CaHeader h, out uint cid, out CaServerPv pv)
    {
        lock (_lock)
        {
            if (_channels.TryGetValue(h.Parameter1, out var c))
            {
                (cid, pv) = c;
                return true;
            }
        }

        cid = 0;
        pv = null!;
        Send(CaMessages.Error(0, EcaStatus.BadChannelId, h, $"no channel with sid {h.Parameter1}"));
        return false;
    }

    private void Read(CaHeader h)
    {
        if (!TryChannel(h, out var cid, out var pv))
        {
            return;
        }

        if (h.Count > (uint)pv.Capacity)
        {
            Send(CaMessages.Error(cid, EcaStatus.BadCount, h, $"{pv.Name} has {pv.Capacity} element(s)"));
            return;
        }

        var source = pv.Snapshot();
        var count = ReplyCount(pv, h.Count, source);
        var data = DbrCodec.Encode((DbrType)h.DataType, count, source);
        if (data is null)
        {
            Send(CaMessages.Error(cid, EcaStatus.BadType, h, $"cannot convert {pv.Name} to DBR type {h.DataType}"));
            return;
        }

        Send(CaMessages.ReadNotifyReply(h.DataType, (uint)count, EcaStatus.Normal, h.Parameter2, data));
    }

    private void Write(CaHeader h, ReadOnlySpan<byte> payload)
    {
        if (!TryChannel(h, out var cid, out var pv))
        {
            return;
        }

        var notify = h.Command == CaCommand.WriteNotify;
        if (h.Count == 0 || h.Count > (uint)pv.Capacity ||
            !DbrCodec.TryDecodeDoubles((DbrType)h.DataType, (int)h.Count, payload, out var values))
        {
            var status = h.Count == 0 || h.Count > (uint)pv.Capacity ? EcaStatus.BadCount : EcaStatus.BadType;
            Send(notify
                ? CaMessages.WriteNotifyReply(h.DataType, h.Count, status, h.Parameter2)
                : CaMessages.Error(cid, status, h, $"cannot write {h.Count} element(s) of DBR type {h.DataType} to {pv.Name}"));
            return;
        }

        pv.PutFromClient(values);
        if (notify)
        {
            Send(CaMessages.WriteNotifyReply(h.DataType, h.Count, EcaStatus.Normal, h.Parameter2));
        }
    }

    private void AddEvent(CaHeader h, ReadOnlySpan<byte> payload)
    {
        if (!TryChannel(h, out var cid, out var pv))
        {
            return;
        }

        var type = (DbrType)h.DataType;
        var source = pv.Snapshot();
        if (h.Count > (uint)pv.Capacity || DbrCodec.Encode(type, 1, source) is null)
        {
            var status = h.Count > (uint)pv.Capacity ? EcaStatus.BadCount : EcaStatus.BadType;
            Send(CaMessages.Error(cid, status, h, $"cannot monitor {pv.Name} as DBR type {h.DataType}"));
            return;
        }

        var mask = payload.Length >= 14 ? (CaEventMask)System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(payload[12..]) : 0;
        if (mask == CaEventMask.None)
        {
            mask = CaEventMask.Value | CaEventMask.Alarm;
        }

        var subscription = new ServerSubscription(this, pv, h.Parameter1, h.Parameter2, type, h.Count, mask);
        ServerSubscription? replaced;
        lock (_lock)
        {
            _subscriptions.Remove(h.Parameter2, out replaced);
            _subscriptions[h.Parameter2] = subscription;
        }

        if (replaced is not null)
        {
            replaced.Cancelled = true;
            replaced.Pv.Unsubscribe(replaced);
        }

        pv.Subscribe(subscription, first => SendUpdate(subscription, first));
    }

    private void CancelEvent(CaHeader h)
    {
        ServerSubscription? s;
        lock (_lock)
        {
            _subscriptions.Remove(h.Parameter2, out s);
        }

        if (s is null)
        {
            Send(CaMessages.Error(0, EcaStatus.BadMonitorId, h, $"no subscription {h.Parameter2}"));
            return;
        }

        s.Cancelled = true;
        s.Pv.Unsubscribe(s);
        Send(CaMessages.EventCancelled(h.DataType, h.Count, h.Parameter1, h.Parameter2));
    }

    private void ClearChannel(CaHeader h)
    {
        List<ServerSubscription> dropped = [];
        lock (_lock)
        {
            if (_channels.Remove(h.Parameter1))
            {
                foreach (var (id, s) in _subscriptions)
                {
                    if (s.Sid == h.Parameter1)
                    {
                        dropped.Add(s);
                        _subscriptions.Remove(id);
                    }
                }
            }
        }

        foreach (var s in dropped)
        {
            s.Cancelled = true;
            s.Pv.Unsubscribe(s);
        }

        Send(CaMessages.ClearChannel(h.Parameter1, h.Parameter2));
    }

    private void Close()
    {
        ServerSubscription[] subs;
        lock (_lock)
        {
            subs = [.. _subscriptions.Values];
            _subscriptions.Clear();
            _channels.Clear();
        }

        foreach (var s in subs)
        {
            s.Cancelled = true;
            s.Pv.Unsubscribe(s);
        }
    }

    // From minor 13 a count of 0 means "what the PV has now" (at least one element, as RSRV does).
    private static int ReplyCount(CaServerPv pv, uint requested, in DbrSource source) =>
        requested == 0 ? Math.Max(1, Math.Min(source.Values.Length, pv.Capacity)) : (int)Math.Min(requested, (uint)pv.Capacity);
}
