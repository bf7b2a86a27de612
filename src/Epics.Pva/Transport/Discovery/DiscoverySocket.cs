using System.Net;
using System.Net.Sockets;
using Epics.Pva.Protocol;
using Epics.Pva.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace Epics.Pva.Transport.Discovery;

/// <summary>How a SEARCH reached us.</summary>
/// <param name="Source">UDP source of the datagram.</param>
/// <param name="Forwarded">It came through the local multicast fan-out behind an ORIGIN_TAG (pva-protocol §5.8).</param>
internal readonly record struct SearchOrigin(IPEndPoint Source, bool Forwarded);

/// <summary>
/// One PVA UDP socket: a receive loop that walks every datagram's messages (each in its own byte order) and hands
/// SEARCH, SEARCH_RESPONSE and BEACON to the handlers given. Malformed datagrams are logged and dropped.
/// <para>
/// With <c>joinLocalMulticast</c> (sockets on the shared broadcast port) it also does the local fan-out of
/// pva-protocol §5.8, as pvxs and pvAccessCPP do: it joins 224.0.0.128 on loopback and re-sends every SEARCH flagged
/// "unicast" that reached it directly, prefixed with an ORIGIN_TAG, with the flag cleared and the response address
/// filled in, so the other servers sharing the port on this host see it too. Tagged or group-delivered searches are
/// never forwarded again.
/// </para>
/// </summary>
internal sealed class DiscoverySocket : IAsyncDisposable
{
    private const int MaxDatagram = 65536;

    private readonly Socket _socket;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Action<SearchRequest, SearchOrigin>? _onSearch;
    private readonly Action<SearchResponse, IPEndPoint>? _onSearchResponse;
    private readonly Action<Beacon, IPEndPoint>? _onBeacon;
    private readonly MessageBuilder _forwardBuilder = new(1500);
    private Task _receiveLoop = Task.CompletedTask;
    private long _droppedDatagrams;
    private long _forwardedSearches;

    public DiscoverySocket(
        IPEndPoint bindTo,
        bool joinLocalMulticast,
        ILogger logger,
        Action<SearchRequest, SearchOrigin>? onSearch = null,
        Action<SearchResponse, IPEndPoint>? onSearchResponse = null,
        Action<Beacon, IPEndPoint>? onBeacon = null)
    {
        _logger = logger;
        _onSearch = onSearch;
        _onSearchResponse = onSearchResponse;
        _onBeacon = onBeacon;
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            // Several servers (and clients listening for beacons) share the broadcast port on one host.
            _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _socket.EnableBroadcast = true;
            _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.PacketInformation, true);
            _socket.Bind(bindTo);
        }
        catch
        {
            _socket.Dispose();
            throw;
        }

        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        if (joinLocalMulticast)
        {
            LocalMulticast = TryJoinLocalMulticast();
        }
    }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Whether the socket joined 224.0.0.128 on loopback (the OS may refuse; then no fan-out).</summary>
    public bool LocalMulticast { get; }

    /// <summary>Datagrams dropped as malformed so far.</summary>
    public long DroppedDatagrams => Interlocked.Read(ref _droppedDatagrams);

    /// <summary>Unicast searches re-sent to the local multicast group so far.</summary>
    public long ForwardedSearches => Interlocked.Read(ref _forwardedSearches);

    public void Start() => _receiveLoop = Task.Run(ReceiveLoopAsync);

    /// <summary>Sends one datagram; failures (unreachable network, ...) are logged, not thrown.</summary>
    public bool Send(ReadOnlySpan<byte> datagram, IPEndPoint destination)
    {
        try
        {
            _socket.SendTo(datagram, SocketFlags.None, destination);
            return true;
        }
        catch (SocketException ex)
        {
            _logger.LogDebug("UDP send to {Destination} failed: {Error}", destination, ex.SocketErrorCode);
            return false;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        try
        {
            await _receiveLoop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
        lock (_forwardBuilder)
        {
            _forwardBuilder.Dispose();
        }
    }

    private bool TryJoinLocalMulticast()
    {
        try
        {
            _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership,
                new MulticastOption(DiscoveryAddresses.LocalMulticastGroup, IPAddress.Loopback));
            _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, IPAddress.Loopback.GetAddressBytes());
            _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastLoopback, true);
            _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, 1);
            return true;
        }
        catch (SocketException ex)
        {
            _logger.LogInformation(
                "Cannot join {Group} on loopback ({Error}): unicast searches will not be shared with other servers on this host",
                DiscoveryAddresses.LocalMulticastGroup, ex.SocketErrorCode);
            return false;
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = GC.AllocateUninitializedArray<byte>(MaxDatagram);
        var any = new IPEndPoint(IPAddress.Any, 0);
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            SocketReceiveMessageFromResult result;
            try
            {
                result = await _socket.ReceiveMessageFromAsync(buffer, SocketFlags.None, any, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                // ICMP port-unreachable from an earlier send (Windows reports it on the next receive), buffer
                // overruns, ...: none of them ends the socket.
                if (token.IsCancellationRequested)
                {
                    return;
                }

                _logger.LogDebug("UDP receive on {Local} failed: {Error}", LocalEndPoint, ex.SocketErrorCode);
                continue;
            }

            var source = (IPEndPoint)result.RemoteEndPoint;
            var destination = result.PacketInformation.Address;
            Process(buffer.AsSpan(0, result.ReceivedBytes), source, destination);
        }
    }

    /// <summary>Handles one datagram (public for tests that feed bytes without a network).</summary>
    internal void Process(ReadOnlySpan<byte> datagram, IPEndPoint source, IPAddress? destination)
    {
        try
        {
            ProcessMessages(datagram, source, destination);
        }
        catch (PvaProtocolException ex)
        {
            Interlocked.Increment(ref _droppedDatagrams);
            _logger.LogDebug("Dropped a malformed {Length}-byte datagram from {Source}: {Error}", datagram.Length, source, ex.Message);
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Error while handling a datagram from {Source}", source);
        }
    }

    private void ProcessMessages(ReadOnlySpan<byte> datagram, IPEndPoint source, IPAddress? destination)
    {
        // Check the framing of the whole datagram first, so a bad tail discards all of it, not just the tail.
        var check = new DatagramReader(datagram);
        while (check.TryReadNext(out _, out _))
        {
        }

        var viaGroup = DiscoveryAddresses.LocalMulticastGroup.Equals(destination);
        var tagged = false;
        var reader = new DatagramReader(datagram);
        while (reader.TryReadNext(out var header, out var payload))
        {
            var r = new PvaReader(payload, header.IsBigEndian);
            switch ((PvaCommand)header.Command)
            {
                case PvaCommand.OriginTag:
                    OriginTag.Read(ref r);

                    // Only our own host's fan-out may mark a search as forwarded (pvxs checks the same).
                    tagged = viaGroup || IPAddress.IsLoopback(source.Address);
                    break;

                case PvaCommand.Search when !header.IsFromServer:
                    var request = SearchRequest.Read(ref r);
                    if (LocalMulticast && request.IsUnicast && !tagged && !viaGroup)
                    {
                        Forward(datagram.Slice(reader.MessageOffset, PvaHeader.Size + payload.Length), request, source, destination);
                    }

                    _onSearch?.Invoke(request, new SearchOrigin(source, tagged));
                    break;

                case PvaCommand.SearchResponse when header.IsFromServer:
                    if (_onSearchResponse is not null)
                    {
                        _onSearchResponse(SearchResponse.Read(ref r), source);
                    }

                    break;

                case PvaCommand.Beacon when header.IsFromServer:
                    if (_onBeacon is not null)
                    {
                        _onBeacon(Beacon.Read(ref r), source);
                    }

                    break;

                default:
                    // Anything else on UDP (our own forwarded copies' tags aside) is not for us; skip it.
                    break;
            }
        }
    }

    private void Forward(ReadOnlySpan<byte> searchMessage, SearchRequest request, IPEndPoint source, IPAddress? destination)
    {
        // The tag names where the client sent the search: PVXS servers listening on one interface answer only tags of
        // their address. pvAccessCPP servers bound to all interfaces never listen on loopback and accept only tags of
        // their interfaces or 0.0.0.0, so a search sent to a loopback address goes out a second time tagged 0.0.0.0.
        // A server that gets both copies answers twice; clients ignore a repeated answer from the same server.
        var origin = destination is null || WireAddress.IsUnspecified(destination) ? LocalEndPoint.Address : destination;
        ForwardTagged(searchMessage, request, source, origin);
        if (IPAddress.IsLoopback(origin))
        {
            ForwardTagged(searchMessage, request, source, IPAddress.Any);
        }
    }

    private void ForwardTagged(ReadOnlySpan<byte> searchMessage, SearchRequest request, IPEndPoint source, IPAddress origin)
    {
        byte[] datagram;
        lock (_forwardBuilder)
        {
            datagram = BuildForwarded(_forwardBuilder, searchMessage, request, source.Address, origin);
        }

        if (Send(datagram, new IPEndPoint(DiscoveryAddresses.LocalMulticastGroup, LocalEndPoint.Port)))
        {
            Interlocked.Increment(ref _forwardedSearches);
        }
    }

    /// <summary>
    /// The fan-out datagram for a unicast SEARCH (pva-protocol §5.8): ORIGIN_TAG(<paramref name="origin"/>), big-endian
    /// like pvxs, then a copy of the original message in its own byte order with the unicast flag cleared and, when
    /// the client left it unspecified, the response address set to the client's <paramref name="source"/> address.
    /// </summary>
    internal static byte[] BuildForwarded(
        MessageBuilder builder, ReadOnlySpan<byte> searchMessage, SearchRequest request, IPAddress source, IPAddress origin)
    {
        builder.Reset();
        new OriginTag(origin).Write(builder, bigEndian: true);
        var at = builder.InlineLength;
        searchMessage.CopyTo(builder.GetSpan(searchMessage.Length));
        builder.Advance(searchMessage.Length);

        var copy = builder.WrittenSpan(at, searchMessage.Length);
        copy[PvaHeader.Size + SearchRequest.FlagsOffset] &= unchecked((byte)~SearchFlags.Unicast);
        if (WireAddress.IsUnspecified(request.ResponseAddress))
        {
            var addr = copy.Slice(PvaHeader.Size + SearchRequest.ResponseAddressOffset, WireAddress.Size);
            addr.Clear();
            addr[10] = 0xFF;
            addr[11] = 0xFF;
            var v4 = source.IsIPv4MappedToIPv6 ? source.MapToIPv4() : source;
            v4.TryWriteBytes(addr[12..], out _);
        }

        return builder.ToArray();
    }
}
