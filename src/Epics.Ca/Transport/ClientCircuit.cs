using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Epics.Ca.Client;
using Epics.Ca.Protocol;
using Epics.Pva.Data;
using Microsoft.Extensions.Logging;

namespace Epics.Ca.Transport;

/// <summary>
/// A TCP virtual circuit to one server, shared by every channel on it. Outgoing messages go through one queue;
/// replies to gets and puts complete pending requests by ioid; channel events go to the owning <see cref="CaClient"/>.
/// </summary>
internal sealed class ClientCircuit
{
    private readonly CaClient _client;
    private readonly Socket _socket;
    private readonly ILogger _logger;
    private readonly Channel<byte[]> _outgoing = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _lock = new();
    private readonly Dictionary<uint, Pending> _pending = [];
    private long _lastReceive = Environment.TickCount64;
    private long _echoSentAt;

    private ClientCircuit(CaClient client, Socket socket, IPEndPoint server, ILogger logger)
    {
        _client = client;
        _socket = socket;
        Server = server;
        _logger = logger;
    }

    public IPEndPoint Server { get; }

    public static async Task<ClientCircuit> ConnectAsync(CaClient client, IPEndPoint server, ILogger logger, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            await socket.ConnectAsync(server, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var circuit = new ClientCircuit(client, socket, server, logger);
        var o = client.Options;
        circuit.Send(CaMessages.Version());
        circuit.Send(CaMessages.ClientName(o.ClientName));
        circuit.Send(CaMessages.HostName(o.HostName));
        return circuit;
    }

    public void Send(byte[] message) => _outgoing.Writer.TryWrite(message);

    /// <summary>Sends a request that the server answers by ioid; the returned task ends with its reply.</summary>
    public async Task<PvValue?> RequestAsync(byte[] message, uint ioid, string channel, bool asArray, CancellationToken cancellationToken)
    {
        var pending = new Pending(channel, asArray);
        lock (_lock)
        {
            if (_outgoing.Reader.Completion.IsCompleted)
            {
                throw new CaDisconnectedException($"{channel}: circuit to {Server} is closed");
            }

            _pending[ioid] = pending;
        }

        Send(message);
        try
        {
            return await pending.Result.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_lock)
            {
                _pending.Remove(ioid);
            }
        }
    }

    public void Close() => _socket.Close();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var reason = "closed by the server";
        using var stream = new NetworkStream(_socket, ownsSocket: true);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var writer = WriteLoopAsync(stream, stop.Token);
        var echo = EchoLoopAsync(stop.Token);
        try
        {
            var reader = new CaMessageReader(stream, _client.Options.MaxArrayBytes + 1024);
            while (await reader.ReadAsync(stop.Token).ConfigureAwait(false) is { } message)
            {
                Volatile.Write(ref _lastReceive, Environment.TickCount64);
                Volatile.Write(ref _echoSentAt, 0);
                Handle(message);
            }
        }
        catch (CaProtocolException e)
        {
            reason = e.Message;
            _logger.LogWarning("closing CA circuit to {Server}: {Reason}", Server, e.Message);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            reason = e.Message;
            _logger.LogDebug("CA circuit to {Server} ended: {Reason}", Server, e.Message);
        }
        finally
        {
            Pending[] failed;
            lock (_lock)
            {
                _outgoing.Writer.TryComplete();
                failed = [.. _pending.Values];
                _pending.Clear();
            }

            foreach (var p in failed)
            {
                p.Result.TrySetException(new CaDisconnectedException($"{p.Channel}: lost the circuit to {Server} ({reason})"));
            }

            await stop.CancelAsync().ConfigureAwait(false);
            _socket.Close();
            await Task.WhenAll(writer, echo).ConfigureAwait(false);
            _client.OnCircuitClosed(this);
        }
    }

    private async Task WriteLoopAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        try
        {
            while (await _outgoing.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (_outgoing.Reader.TryRead(out var bytes))
                {
                    await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                }

                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            _socket.Close();
        }
    }

    // libca behaviour: after EchoIdleTime of silence send ECHO; an ECHO unanswered for EchoTimeout drops the circuit.
    private async Task EchoLoopAsync(CancellationToken cancellationToken)
    {
        var o = _client.Options;
        var tick = TimeSpan.FromMilliseconds(Math.Clamp(Math.Min(o.EchoIdleTime.TotalMilliseconds, o.EchoTimeout.TotalMilliseconds) / 4, 10, 1000));
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(tick, cancellationToken).ConfigureAwait(false);
                var now = Environment.TickCount64;
                var sent = Volatile.Read(ref _echoSentAt);
                if (sent != 0 && now - sent > o.EchoTimeout.TotalMilliseconds)
                {
                    _logger.LogWarning("CA circuit to {Server} is unresponsive (no ECHO reply in {Timeout}); closing it", Server, o.EchoTimeout);
                    _socket.Close();
                    return;
                }

                if (sent == 0 && now - Volatile.Read(ref _lastReceive) > o.EchoIdleTime.TotalMilliseconds)
                {
                    Volatile.Write(ref _echoSentAt, now);
                    Send(CaMessages.Echo());
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Handle(CaMessage message)
    {
        var h = message.Header;
        switch (h.Command)
        {
            case CaCommand.AccessRights:
                _client.OnAccessRights(this, h.Parameter1, h.Parameter2);
                break;
            case CaCommand.CreateChan:
                _client.OnChannelCreated(this, h.Parameter1, h.Parameter2, (DbrType)h.DataType, h.Count);
                break;
            case CaCommand.CreateChanFail:
                _client.OnChannelLost(this, h.Parameter1, "the server could not create the channel");
                break;
            case CaCommand.ServerDisconnect:
                _client.OnChannelLost(this, h.Parameter1, "the server dropped the channel");
                break;
            case CaCommand.ReadNotify:
            case CaCommand.WriteNotify:
                Complete(h, message.Payload.Span);
                break;
            case CaCommand.EventAdd when h.PayloadSize > 0:
                _client.OnEvent(h.Parameter2, h.Parameter1, (DbrType)h.DataType, (int)h.Count, message.Payload.Span);
                break;
            case CaCommand.Error:
                HandleError(h, message.Payload.Span);
                break;
            default:
                break; // VERSION, ECHO replies, CLEAR_CHANNEL and cancel confirmations need no action
        }
    }

    private void Complete(CaHeader h, ReadOnlySpan<byte> payload)
    {
        Pending? p;
        lock (_lock)
        {
            _pending.TryGetValue(h.Parameter2, out p);
        }

        if (p is null)
        {
            return;
        }

        if (h.Parameter1 != EcaStatus.Normal)
        {
            p.Result.TrySetException(new CaStatusException(p.Channel, h.Parameter1, EcaStatus.Describe(h.Parameter1)));
        }
        else if (h.Command == CaCommand.WriteNotify)
        {
            p.Result.TrySetResult(null);
        }
        else
        {
            p.Result.TrySetResult(DbrCodec.Decode((DbrType)h.DataType, (int)h.Count, payload, p.AsArray));
        }
    }

    private void HandleError(CaHeader h, ReadOnlySpan<byte> payload)
    {
        if (!CaHeader.TryRead(payload, out var offending, out var size))
        {
            throw new CaProtocolException("ERROR message without the offending header");
        }

        var text = DbrCodec.ReadString(payload[size..]);
        Pending? p = null;
        if (offending.Command is CaCommand.ReadNotify or CaCommand.WriteNotify)
        {
            lock (_lock)
            {
                _pending.TryGetValue(offending.Parameter2, out p);
            }
        }

        if (p is not null)
        {
            p.Result.TrySetException(new CaStatusException(p.Channel, h.Parameter2, text.Length > 0 ? text : EcaStatus.Describe(h.Parameter2)));
        }
        else
        {
            _logger.LogWarning("CA server {Server} reported {Status} for {Request}: {Text}", Server, EcaStatus.Describe(h.Parameter2), offending, text);
        }
    }

    private sealed class Pending(string channel, bool asArray)
    {
        public string Channel { get; } = channel;

        public bool AsArray { get; } = asArray;

        public TaskCompletionSource<PvValue?> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
