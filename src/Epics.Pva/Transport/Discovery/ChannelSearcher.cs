using System.Net;
using System.Threading.Channels;
using Epics.Pva.Protocol;
using Epics.Pva.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace Epics.Pva.Transport.Discovery;

/// <summary>
/// The client's channel discovery (pva-protocol §5.2-5.4, §5.7, §5.9). One UDP socket on an ephemeral port sends
/// SEARCH to every destination of the options (big-endian; the "unicast" flag for unicast destinations) and receives
/// the responses; a registered name is searched at once, then after 1, 2, 4, ... up to 30 s until found (the
/// <see cref="PvaClientOptions.SearchFirstInterval"/> and <see cref="PvaClientOptions.SearchMaxInterval"/> defaults). Many names
/// share a datagram (under 1400 bytes). A beacon listener on the broadcast port (shared, optional) triggers
/// <see cref="SearchNow"/> when a server it has not seen (or a restarted one) beacons. Name servers get the same
/// searches over TCP.
/// <para>
/// The found callback runs on a receive thread, once per registration (the name then stops being searched; a second
/// answer from another GUID is logged as a duplicate); it must not block. Register again to search again.
/// </para>
/// </summary>
internal sealed class ChannelSearcher : IAsyncDisposable
{
    /// <summary>Payload budget of one search datagram (pvxs packs ~1400 bytes, MTU-safe).</summary>
    public const int MaxDatagramSize = 1400;

    // Registrations arriving together are collected for this long so that they share datagrams.
    private static readonly TimeSpan CoalesceDelay = TimeSpan.FromMilliseconds(10);

    private const int MaxTrackedServers = 20000;

    private readonly PvaClientOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<uint, Entry> _entries = [];
    private readonly Dictionary<IPEndPoint, PvaGuid> _beaconServers = [];
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stop = new();
    private readonly DiscoverySocket _socket;
    private readonly DiscoverySocket? _beaconListener;
    private readonly List<NameServerClient> _nameServers = [];
    private readonly Task _loop;
    private List<IPEndPoint> _destinations = [];
    private IReadOnlyCollection<IPAddress> _broadcasts = [];
    // Random start: a new client that gets the UDP port a closed one just used must not send the same search id,
    // which a server answering each search once (RecentAnswers) would take for a repeat and ignore.
    private uint _sequence = (uint)Random.Shared.Next();
    private long _lastBeaconPoke;
    private long _datagramsSent;
    private int _disposed;

    public ChannelSearcher(PvaClientOptions options)
    {
        _options = options;
        _time = options.TimeProvider;
        _logger = options.LoggerFactory.CreateLogger<ChannelSearcher>();

        // Never the broadcast port itself (pitfall 23): a server would see its own replies.
        _socket = new DiscoverySocket(new IPEndPoint(IPAddress.Any, 0), joinLocalMulticast: false, _logger,
            onSearchResponse: (r, source) => OnSearchResponse(r, source));
        _socket.Start();

        try
        {
            _beaconListener = new DiscoverySocket(new IPEndPoint(IPAddress.Any, options.BroadcastPort), joinLocalMulticast: true, _logger,
                onBeacon: OnBeacon);
            _beaconListener.Start();
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            _logger.LogInformation("Not listening for beacons on UDP port {Port}: {Error}", options.BroadcastPort, ex.SocketErrorCode);
        }

        foreach (var entry in options.NameServers)
        {
            _nameServers.Add(new NameServerClient(entry, options, this));
        }

        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    /// <summary>The local UDP endpoint searches are sent from (responses come back here).</summary>
    public IPEndPoint LocalEndPoint => _socket.LocalEndPoint;

    /// <summary>Search datagrams sent so far (all destinations counted).</summary>
    public long DatagramsSent => Interlocked.Read(ref _datagramsSent);

    /// <summary>Where searches go (once resolved).</summary>
    public IReadOnlyList<IPEndPoint> Destinations => Volatile.Read(ref _destinations);

    /// <summary>Starts searching for <paramref name="name"/> under <paramref name="searchId"/> (replacing an earlier registration of the id).</summary>
    public void Register(uint searchId, string name, Action<SearchResult> onFound)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(onFound);
        if (SearchRequest.ChannelWireSize(name) > MaxDatagramSize - PvaHeader.Size - SearchRequest.FixedTcpPayloadSize)
        {
            throw new ArgumentException($"channel name of {name.Length} characters is too long to search for", nameof(name));
        }

        lock (_lock)
        {
            _entries[searchId] = new Entry(name, onFound) { Due = _time.GetUtcNow(), Interval = _options.SearchFirstInterval };
        }

        Wake();
    }

    /// <summary>Stops searching for <paramref name="searchId"/> (no-op when unknown).</summary>
    public void Unregister(uint searchId)
    {
        lock (_lock)
        {
            _entries.Remove(searchId);
        }
    }

    /// <summary>Searches every unresolved name now and restarts their back-off (a server appeared or came back).</summary>
    public void SearchNow()
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            foreach (var e in _entries.Values)
            {
                if (!e.Found)
                {
                    e.Due = now;
                    e.Interval = _options.SearchFirstInterval;
                }
            }
        }

        Wake();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        foreach (var ns in _nameServers)
        {
            await ns.DisposeAsync().ConfigureAwait(false);
        }

        await _socket.DisposeAsync().ConfigureAwait(false);
        if (_beaconListener is not null)
        {
            await _beaconListener.DisposeAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
        lock (_lock)
        {
            _entries.Clear();
        }
    }

    /// <summary>A name server (re)connected: search everything unresolved.</summary>
    internal void OnNameServerConnected() => SearchNow();

    /// <summary>Handles a SEARCH_RESPONSE from UDP or from a name server (<paramref name="source"/> = its sender).</summary>
    internal void OnSearchResponse(SearchResponse response, IPEndPoint source)
    {
        if (!response.Found || response.Protocol != SearchRequest.TcpProtocol)
        {
            return;
        }

        var address = WireAddress.IsUnspecified(response.ServerAddress) ? source.Address : response.ServerAddress;
        var port = response.ServerPort == 0 ? source.Port : response.ServerPort;
        var server = new IPEndPoint(address, port);
        List<(Action<SearchResult> Callback, SearchResult Result)>? found = null;
        lock (_lock)
        {
            foreach (var id in response.SearchIds)
            {
                if (!_entries.TryGetValue(id, out var e))
                {
                    continue;
                }

                if (!e.Found)
                {
                    e.Found = true;
                    e.Server = server;
                    e.Guid = response.Guid;
                    (found ??= []).Add((e.Callback, new SearchResult(id, e.Name, server, response.Guid)));
                }
                else if (e.Guid != response.Guid && !server.Equals(e.Server))
                {
                    _logger.LogWarning("Duplicate PV name '{Name}' on {Server} (GUID {Guid}); keeping {First}", e.Name, server, response.Guid, e.Server);
                }
            }
        }

        if (found is null)
        {
            return;
        }

        foreach (var (callback, result) in found)
        {
            try
            {
                callback(result);
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "Search callback for '{Name}' failed", result.Name);
            }
        }
    }

    private void OnBeacon(Beacon beacon, IPEndPoint source)
    {
        if (beacon.Protocol != SearchRequest.TcpProtocol)
        {
            return;
        }

        var address = WireAddress.IsUnspecified(beacon.ServerAddress) ? source.Address : beacon.ServerAddress;
        var server = new IPEndPoint(address, beacon.ServerPort);
        lock (_lock)
        {
            if (_beaconServers.TryGetValue(server, out var guid) && guid == beacon.Guid)
            {
                return;
            }

            if (_beaconServers.Count >= MaxTrackedServers)
            {
                _beaconServers.Clear();
            }

            _beaconServers[server] = beacon.Guid;
        }

        var now = _time.GetTimestamp();
        var last = Interlocked.Read(ref _lastBeaconPoke);
        if (last != 0 && _time.GetElapsedTime(last, now) < _options.BeaconSearchHoldOff)
        {
            return;
        }

        Interlocked.Exchange(ref _lastBeaconPoke, now);
        _logger.LogDebug("New server {Server} (GUID {Guid}) beaconed: searching again", server, beacon.Guid);
        SearchNow();
    }

    private void Wake() => _wake.Writer.TryWrite(true);

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        await ResolveDestinationsAsync(cancellationToken).ConfigureAwait(false);
        var due = new List<SearchChannel>();
        while (!cancellationToken.IsCancellationRequested)
        {
            DateTimeOffset? next = null;
            due.Clear();
            var now = _time.GetUtcNow();
            lock (_lock)
            {
                foreach (var (id, e) in _entries)
                {
                    if (e.Found)
                    {
                        continue;
                    }

                    if (e.Due <= now)
                    {
                        due.Add(new SearchChannel(id, e.Name));
                        e.Due = now + e.Interval;
                        e.Interval = e.Interval * 2 > _options.SearchMaxInterval ? _options.SearchMaxInterval : e.Interval * 2;
                    }

                    if (next is null || e.Due < next)
                    {
                        next = e.Due;
                    }
                }
            }

            if (due.Count > 0)
            {
                SendSearches(due);
            }

            // Measured after sending, so the time spent sending does not stretch the back-off.
            await WaitAsync(next is null ? null : next.Value - _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task WaitAsync(TimeSpan? delay, CancellationToken cancellationToken)
    {
        using var timeout = delay is { } d ? new CancellationTokenSource(d < TimeSpan.Zero ? TimeSpan.Zero : d, _time) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            if (await _wake.Reader.WaitToReadAsync(linked.Token).ConfigureAwait(false))
            {
                _wake.Reader.TryRead(out _);

                // Let a burst of registrations finish so they share datagrams.
                await Task.Delay(CoalesceDelay, _time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The delay ran out: time for the next search round.
        }
    }

    private async Task ResolveDestinationsAsync(CancellationToken cancellationToken)
    {
        var list = await DiscoveryAddresses.ResolveAsync(_options.AddressList, _options.BroadcastPort,
            (entry, ex) => _logger.LogWarning("Search address '{Entry}' ignored: {Error}", entry, ex.Message), cancellationToken).ConfigureAwait(false);
        if (_options.AutoAddressList)
        {
            foreach (var b in DiscoveryAddresses.GetBroadcastAddresses(includeLoopback: false))
            {
                var ep = new IPEndPoint(b, _options.BroadcastPort);
                if (!list.Contains(ep))
                {
                    list.Add(ep);
                }
            }
        }

        if (list.Count == 0 && _options.NameServers.Count == 0)
        {
            // Pitfall 22: no broadcast-capable interface (containers) and nothing configured: still find local servers.
            list.Add(new IPEndPoint(IPAddress.Loopback, _options.BroadcastPort));
            list.Add(new IPEndPoint(DiscoveryAddresses.LoopbackBroadcast, _options.BroadcastPort));
            _logger.LogInformation("No PVA search destinations configured or found: searching on 127.0.0.1 and 127.255.255.255");
        }

        _broadcasts = DiscoveryAddresses.GetBroadcastAddresses(includeLoopback: true);
        Volatile.Write(ref _destinations, list);
        _logger.LogDebug("Searching on {Destinations}", string.Join(", ", list));
    }

    private void SendSearches(List<SearchChannel> due)
    {
        using var builder = new MessageBuilder(MaxDatagramSize + 64);
        var destinations = Volatile.Read(ref _destinations);
        var budget = MaxDatagramSize - PvaHeader.Size - SearchRequest.FixedTcpPayloadSize;
        var start = 0;
        while (start < due.Count)
        {
            var end = start;
            var size = 0;
            while (end < due.Count && end - start < ushort.MaxValue)
            {
                var s = SearchRequest.ChannelWireSize(due[end].Name);
                if (end > start && size + s > budget)
                {
                    break;
                }

                size += s;
                end++;
            }

            var batch = due.GetRange(start, end - start);
            var sequence = Interlocked.Increment(ref _sequence);
            byte[]? unicast = null;
            byte[]? broadcast = null;
            foreach (var d in destinations)
            {
                var isUnicast = DiscoveryAddresses.IsUnicast(d.Address, _broadcasts);
                ref var datagram = ref isUnicast ? ref unicast : ref broadcast;
                datagram ??= Build(builder, sequence, isUnicast ? SearchFlags.Unicast : SearchFlags.None, (ushort)_socket.LocalEndPoint.Port, batch);
                if (_socket.Send(datagram, d))
                {
                    Interlocked.Increment(ref _datagramsSent);
                }
            }

            foreach (var ns in _nameServers)
            {
                ns.Send(new SearchRequest(sequence, SearchFlags.Unicast, IPAddress.Any, 0, SearchRequest.TcpOnly, batch));
            }

            start = end;
        }
    }

    private static byte[] Build(MessageBuilder builder, uint sequence, SearchFlags flags, ushort port, List<SearchChannel> batch)
    {
        builder.Reset();
        new SearchRequest(sequence, flags, IPAddress.Any, port, SearchRequest.TcpOnly, batch).Write(builder, SearchResponder.BigEndian);
        return builder.ToArray();
    }

    private sealed class Entry(string name, Action<SearchResult> callback)
    {
        public string Name { get; } = name;

        public Action<SearchResult> Callback { get; } = callback;

        public DateTimeOffset Due { get; set; }

        public TimeSpan Interval { get; set; }

        public bool Found { get; set; }

        public IPEndPoint? Server { get; set; }

        public PvaGuid Guid { get; set; }
    }
}
