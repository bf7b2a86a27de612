using System.Net;
using System.Net.Sockets;
using Epics.Pva.Protocol;
using Epics.Pva.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace Epics.Pva.Transport.Discovery;

/// <summary>
/// Sends the server's BEACONs (pva-protocol §5.4), big-endian: the first at once, then every
/// <see cref="PvaServerOptions.BeaconPeriod"/> for <see cref="PvaServerOptions.FastBeaconCount"/> beacons, then every
/// <see cref="PvaServerOptions.SlowBeaconPeriod"/>, to the beacon address list plus (if enabled) the interface broadcast
/// addresses, at the broadcast port. With no destination it sends nothing.
/// </summary>
internal sealed class BeaconSender : IAsyncDisposable
{
    private readonly PvaServerOptions _options;
    private readonly PvaGuid _guid;
    private readonly int _tcpPort;
    private readonly int _udpPort;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Socket _socket;
    private readonly Task _loop;
    private int _changeCount;

    /// <param name="options">Destinations and timing.</param>
    /// <param name="guid">The server's GUID (the same as in its search responses).</param>
    /// <param name="tcpPort">The TCP port the server listens on.</param>
    /// <param name="udpPort">The broadcast port actually bound (destinations without a port get it).</param>
    public BeaconSender(PvaServerOptions options, PvaGuid guid, int tcpPort, int udpPort)
    {
        _options = options;
        _guid = guid;
        _tcpPort = tcpPort;
        _udpPort = udpPort;
        _logger = options.LoggerFactory.CreateLogger<BeaconSender>();
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { EnableBroadcast = true };
        _socket.Bind(new IPEndPoint(IPAddress.Any, 0));
        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    /// <summary>Beacons sent so far.</summary>
    public int Sent { get; private set; }

    /// <summary>Bumps the change count carried by later beacons (pvxs does this when its PV list changes).</summary>
    public void NotifyChanged() => Interlocked.Increment(ref _changeCount);

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

        _socket.Dispose();
        _stop.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var destinations = await DiscoveryAddresses.ResolveAsync(_options.BeaconAddressList, _udpPort,
            (entry, ex) => _logger.LogWarning("Beacon address '{Entry}' ignored: {Error}", entry, ex.Message), cancellationToken).ConfigureAwait(false);
        if (_options.AutoBeaconAddressList)
        {
            foreach (var b in DiscoveryAddresses.GetBroadcastAddresses(includeLoopback: false))
            {
                var ep = new IPEndPoint(b, _udpPort);
                if (!destinations.Contains(ep))
                {
                    destinations.Add(ep);
                }
            }
        }

        if (destinations.Count == 0 || _udpPort == 0)
        {
            _logger.LogDebug("No beacon destinations: beacons disabled");
            return;
        }

        _logger.LogDebug("Sending beacons to {Destinations}", string.Join(", ", destinations));
        using var builder = new MessageBuilder(128);
        byte sequence = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            builder.Reset();
            var beacon = new Beacon(_guid, 0, sequence++, (ushort)Volatile.Read(ref _changeCount), IPAddress.Any, (ushort)_tcpPort,
                SearchRequest.TcpProtocol);
            beacon.Write(builder, SearchResponder.BigEndian);
            var datagram = builder.ToArray();
            foreach (var d in destinations)
            {
                try
                {
                    await _socket.SendToAsync(datagram, SocketFlags.None, d, cancellationToken).ConfigureAwait(false);
                }
                catch (SocketException ex)
                {
                    _logger.LogDebug("Beacon to {Destination} failed: {Error}", d, ex.SocketErrorCode);
                }
            }

            Sent++;
            var period = Sent < _options.FastBeaconCount ? _options.BeaconPeriod : _options.SlowBeaconPeriod;
            await Task.Delay(period, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
    }
}
