using System.Net;
using Epics.Pva.Protocol;
using Epics.Pva.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace Epics.Pva.Transport.Discovery;

/// <summary>
/// The server's UDP search endpoint: one socket per interface address on the broadcast port (shared with other
/// servers through address reuse), answering SEARCH through a <see cref="SearchHandler"/> from the receiving socket,
/// big-endian like pvxs. Takes part in the local multicast fan-out (see <see cref="DiscoverySocket"/>).
/// </summary>
internal sealed class SearchResponder : IAsyncDisposable
{
    /// <summary>We send UDP big-endian, like pvxs (receivers decode each message by its own flag anyway).</summary>
    public const bool BigEndian = true;

    private readonly SearchHandler _handler;
    private readonly ILogger _logger;
    private readonly List<DiscoverySocket> _sockets = [];
    private readonly MessageBuilder _builder = new(512);
    private readonly RecentAnswers _answered = new();
    private DiscoverySocket? _groupSocket;

    private SearchResponder(SearchHandler handler, ILogger logger)
    {
        _handler = handler;
        _logger = logger;
    }

    /// <summary>The UDP port actually bound (the configured one, or the ephemeral one chosen for port 0).</summary>
    public int Port { get; private set; }

    public IReadOnlyList<IPEndPoint> LocalEndPoints => _sockets.Select(s => s.LocalEndPoint).ToArray();

    internal IReadOnlyList<DiscoverySocket> Sockets => _sockets;

    /// <summary>Binds <see cref="PvaServerOptions.InterfaceAddresses"/> at <see cref="PvaServerOptions.BroadcastPort"/> and starts answering.</summary>
    /// <exception cref="System.Net.Sockets.SocketException">A socket could not be bound.</exception>
    public static SearchResponder Start(PvaServerOptions options, SearchHandler handler)
    {
        var logger = options.LoggerFactory.CreateLogger<SearchResponder>();
        var responder = new SearchResponder(handler, logger);
        try
        {
            var port = options.BroadcastPort;
            foreach (var entry in options.InterfaceAddresses)
            {
                var address = ParseInterface(entry);
                DiscoverySocket? self = null;
                var socket = new DiscoverySocket(
                    new IPEndPoint(address, port), joinLocalMulticast: true, logger, onSearch: (r, o) => responder.OnSearch(r, o, self!));
                self = socket;
                responder._sockets.Add(socket);
                port = socket.LocalEndPoint.Port;
            }

            responder.Port = port;

            // A socket bound to one address never receives datagrams sent to the local multicast group, so the unicast
            // searches other servers of this host fan out would be lost: listen on the group itself as well (as
            // pvAccessCPP does). A socket bound to 0.0.0.0 receives the group already.
            if (!responder._sockets.Any(s => s.LocalEndPoint.Address.Equals(IPAddress.Any)))
            {
                responder._groupSocket = TryBindGroup(port, logger, responder);
            }

            foreach (var s in responder.AllSockets)
            {
                s.Start();
            }

            logger.LogDebug("Answering PVA searches on UDP {EndPoints} (GUID {Guid})", string.Join(", ", responder.LocalEndPoints), handler.Guid);
            return responder;
        }
        catch
        {
            responder.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
    }

    private IEnumerable<DiscoverySocket> AllSockets => _groupSocket is null ? _sockets : [.. _sockets, _groupSocket];

    private static DiscoverySocket? TryBindGroup(int port, ILogger logger, SearchResponder responder)
    {
        try
        {
            DiscoverySocket? self = null;
            var socket = new DiscoverySocket(
                new IPEndPoint(DiscoveryAddresses.LocalMulticastGroup, port), joinLocalMulticast: true, logger,
                onSearch: (r, o) => responder.OnSearch(r, o, self!));
            self = socket;
            return socket;
        }
        catch (System.Net.Sockets.SocketException e)
        {
            logger.LogInformation(
                "Cannot listen on {Group}:{Port} ({Error}): unicast searches other servers of this host forward will not reach this server",
                DiscoveryAddresses.LocalMulticastGroup, port, e.SocketErrorCode);
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var s in AllSockets)
        {
            await s.DisposeAsync().ConfigureAwait(false);
        }

        lock (_builder)
        {
            _builder.Dispose();
        }
    }

    private static int ChannelsHash(SearchRequest request)
    {
        var hash = new HashCode();
        hash.Add(request.Flags & SearchFlags.MustReply);
        foreach (var c in request.Channels)
        {
            hash.Add(c.Id);
            hash.Add(c.Name, StringComparer.Ordinal);
        }

        return hash.ToHashCode();
    }

    private static IPAddress ParseInterface(string entry)
    {
        var (host, _) = DiscoveryAddresses.ParseEntry(entry, 1);
        if (!IPAddress.TryParse(host, out var address) || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
        {
            throw new ArgumentException($"interface address '{entry}' is not an IPv4 address");
        }

        return address;
    }

    private void OnSearch(SearchRequest request, SearchOrigin origin, DiscoverySocket receivedOn)
    {
        var response = _handler.Answer(request);
        if (response is null)
        {
            return;
        }

        IPEndPoint destination;
        if (origin.Forwarded)
        {
            // The forwarder named the client; an unnamed one cannot be answered (pvxs drops these too).
            if (WireAddress.IsUnspecified(request.ResponseAddress) || request.ResponsePort == 0)
            {
                return;
            }

            destination = new IPEndPoint(request.ResponseAddress, request.ResponsePort);
        }
        else
        {
            var address = WireAddress.IsUnspecified(request.ResponseAddress) ? origin.Source.Address : request.ResponseAddress;
            var replyToSource = (request.Flags & SearchFlags.ReplySourcePort) != 0 || request.ResponsePort == 0;
            destination = new IPEndPoint(address, replyToSource ? origin.Source.Port : request.ResponsePort);
        }

        if (destination.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
        {
            _logger.LogDebug("Cannot answer a search to non-IPv4 {Destination}", destination);
            return;
        }

        // The same search may reach us directly and through the fan-out (ours or another server's, tagged twice):
        // answer it once.
        if (!_answered.TryAdd(request.SequenceId, ChannelsHash(request), destination))
        {
            return;
        }

        byte[] datagram;
        lock (_builder)
        {
            _builder.Reset();
            response.Write(_builder, BigEndian);
            datagram = _builder.ToArray();
        }

        // Reply from the receiving socket, as pvxs does (clients accept any source port); never from the group socket,
        // whose source address would be a multicast one.
        (ReferenceEquals(receivedOn, _groupSocket) ? _sockets[0] : receivedOn).Send(datagram, destination);
    }
}
