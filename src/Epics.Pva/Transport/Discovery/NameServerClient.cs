using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Epics.Pva.Data;
using Epics.Pva.Protocol;
using Epics.Pva.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace Epics.Pva.Transport.Discovery;

/// <summary>
/// A TCP connection to one name server (<c>EPICS_PVA_NAME_SERVERS</c>, pva-protocol §5.9) that carries SEARCH and
/// SEARCH_RESPONSE only: the usual validation handshake ("anonymous"), then searches in the byte order the server
/// announced, and an ECHO every <see cref="PvaClientOptions.EchoPeriod"/> to stay within the server's inactivity
/// timeout. Reconnects after a loss (holding off a few seconds) and asks the searcher to search everything unresolved once connected. A deliberately small
/// client: it never creates channels on this connection.
/// </summary>
internal sealed class NameServerClient : IAsyncDisposable
{
    private const int MaxPayload = 1 << 20;

    private readonly string _entry;
    private readonly PvaClientOptions _options;
    private readonly ChannelSearcher _owner;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private Channel<SearchRequest>? _outbound;

    public NameServerClient(string entry, PvaClientOptions options, ChannelSearcher owner)
    {
        _entry = entry;
        _options = options;
        _owner = owner;
        _logger = options.LoggerFactory.CreateLogger<NameServerClient>();
        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    /// <summary>Whether the handshake is done and searches are being sent.</summary>
    public bool IsConnected => Volatile.Read(ref _outbound) is not null;

    /// <summary>Queues a search (dropped when not connected: the searcher re-sends everything on connection).</summary>
    public void Send(SearchRequest request) => Volatile.Read(ref _outbound)?.Writer.TryWrite(request);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var holdOff = _options.NameServerReconnectDelay;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var (host, port) = DiscoveryAddresses.ParseEntry(_entry, _options.ServerPort);
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                using (var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    connectTimeout.CancelAfter(_options.NameServerConnectTimeout);
                    await socket.ConnectAsync(host, port, connectTimeout.Token).ConfigureAwait(false);
                }

                var stream = new NetworkStream(socket, ownsSocket: false);
                await using (stream.ConfigureAwait(false))
                {
                    var remote = (IPEndPoint)socket.RemoteEndPoint!;
                    await RunConnectionAsync(stream, remote, cancellationToken).ConfigureAwait(false);
                }

                holdOff = _options.NameServerReconnectDelay;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is SocketException or IOException or PvaProtocolException or OperationCanceledException or ArgumentException)
            {
                _logger.LogDebug("Name server {Entry}: {Error}", _entry, ex.Message);
            }
            finally
            {
                Volatile.Write(ref _outbound, null);
            }

            await Task.Delay(holdOff, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
            holdOff = holdOff * 2 > _options.NameServerMaxReconnectDelay ? _options.NameServerMaxReconnectDelay : holdOff * 2;
        }
    }

    private async Task RunConnectionAsync(NetworkStream stream, IPEndPoint remote, CancellationToken cancellationToken)
    {
        var header = new byte[PvaHeader.Size];
        var bigEndian = false;

        // Handshake: SET_BYTE_ORDER, CONNECTION_VALIDATION from the server; our validation; CONNECTION_VALIDATED.
        while (true)
        {
            var (h, payload) = await ReadMessageAsync(stream, header, cancellationToken).ConfigureAwait(false);
            if (h.IsControl)
            {
                if (h.Command == (byte)PvaControlCommand.SetByteOrder)
                {
                    bigEndian = h.IsBigEndian;
                }

                continue;
            }

            if (h.Command == (byte)PvaCommand.ConnectionValidation)
            {
                await WriteAsync(stream, ValidationReply(bigEndian), cancellationToken).ConfigureAwait(false);
            }
            else if (h.Command == (byte)PvaCommand.ConnectionValidated)
            {
                var r = new PvaReader(payload, h.IsBigEndian);
                var status = r.ReadStatus();
                if (status.Type is not (StatusType.Ok or StatusType.Warning))
                {
                    _logger.LogDebug("Name server {Remote} refused validation: {Message} (continuing)", remote, status.Message);
                }

                break;
            }
        }

        _logger.LogDebug("Connected to name server {Remote}", remote);
        var outbound = Channel.CreateUnbounded<SearchRequest>(new UnboundedChannelOptions { SingleReader = true });
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var writer = WriteLoopAsync(stream, outbound.Reader, bigEndian, connection.Token);
        Volatile.Write(ref _outbound, outbound);
        _owner.OnNameServerConnected();
        try
        {
            while (true)
            {
                var (h, payload) = await ReadMessageAsync(stream, header, connection.Token).ConfigureAwait(false);
                if (!h.IsControl && h.Command == (byte)PvaCommand.SearchResponse)
                {
                    var r = new PvaReader(payload, h.IsBigEndian);
                    _owner.OnSearchResponse(SearchResponse.Read(ref r), remote);
                }
            }
        }
        finally
        {
            Volatile.Write(ref _outbound, null);
            await connection.CancelAsync().ConfigureAwait(false);
            try
            {
                await writer.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
            }
        }
    }

    private async Task WriteLoopAsync(NetworkStream stream, ChannelReader<SearchRequest> requests, bool bigEndian, CancellationToken cancellationToken)
    {
        using var builder = new MessageBuilder(1500);
        while (!cancellationToken.IsCancellationRequested)
        {
            using var echoTimer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            echoTimer.CancelAfter(_options.EchoPeriod);
            bool ready;
            try
            {
                ready = await requests.WaitToReadAsync(echoTimer.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                builder.Reset();
                PvaHeader.End(builder, PvaHeader.Begin(builder), fromServer: false, bigEndian, PvaCommand.Echo);
                await WriteAsync(stream, builder.ToArray(), cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (!ready)
            {
                return;
            }

            builder.Reset();
            while (requests.TryRead(out var request))
            {
                request.Write(builder, bigEndian);
            }

            await WriteAsync(stream, builder.ToArray(), cancellationToken).ConfigureAwait(false);
        }
    }

    private static byte[] ValidationReply(bool bigEndian)
    {
        using var builder = new MessageBuilder(64);
        var start = PvaHeader.Begin(builder);
        var w = new PvaWriter(builder, bigEndian);
        w.WriteUInt32(0x10000);
        w.WriteUInt16(0x7FFF);
        w.WriteUInt16(0);
        w.WriteString("anonymous");
        w.WriteByte(0xFF);
        PvaHeader.End(builder, start, fromServer: false, bigEndian, PvaCommand.ConnectionValidation);
        return builder.ToArray();
    }

    private static async Task WriteAsync(NetworkStream stream, byte[] bytes, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<(PvaHeader Header, byte[] Payload)> ReadMessageAsync(NetworkStream stream, byte[] header, CancellationToken cancellationToken)
    {
        await stream.ReadExactlyAsync(header, cancellationToken).ConfigureAwait(false);
        var h = PvaHeader.Read(header);
        if (h.IsControl)
        {
            return (h, []);
        }

        if (h.PayloadSize > MaxPayload)
        {
            ProtocolErrors.Throw($"name server sent a {h.PayloadSize}-byte message");
        }

        var payload = new byte[h.PayloadSize];
        await stream.ReadExactlyAsync(payload, cancellationToken).ConfigureAwait(false);
        return (h, payload);
    }
}
