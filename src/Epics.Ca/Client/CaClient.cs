using System.Net;
using System.Runtime.CompilerServices;
using Epics.Ca.Protocol;
using Epics.Ca.Transport;
using Epics.Pva.Data;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Epics.Ca.Client;

/// <summary>
/// A Channel Access client. Channels are found by UDP search, share one TCP circuit per server, and come back by
/// themselves after a server restart (monitors are re-established). Values are pvData structures; see <see cref="CaValues"/>.
/// <code>
/// await using var ca = new CaClient(CaClientOptions.FromEnvironment());
/// var v = await ca.GetAsync("demo:x", ct);              // DBR_TIME_native
/// await ca.PutAsync("demo:x", 4.5, ct);                  // WRITE_NOTIFY
/// await using var monitor = ca.Subscribe("demo:x");
/// monitor.ConnectionChanged += (_, connected) => ...;
/// await foreach (var u in monitor.WithCancellation(ct)) { ... }
/// </code>
/// </summary>
public sealed class CaClient : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, ClientChannel> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<uint, ClientChannel> _byCid = [];
    private readonly Dictionary<uint, (ClientChannel Channel, ClientSubscription Subscription)> _subscriptions = [];
    private readonly Dictionary<IPEndPoint, Task<ClientCircuit>> _circuits = [];
    private readonly List<Task> _circuitRuns = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly SearchEngine _search;
    private readonly Task _searchRun;
    private readonly ILogger _logger;
    private readonly ILogger _circuitLogger;
    private uint _nextCid;
    private uint _nextIoid;
    private uint _nextSubscription;
    private bool _disposed;

    public CaClient(CaClientOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        Options = options ?? CaClientOptions.Default;
        loggerFactory ??= NullLoggerFactory.Instance;
        _logger = loggerFactory.CreateLogger<CaClient>();
        _circuitLogger = loggerFactory.CreateLogger<ClientCircuit>();
        var repeater = Options.RepeaterPort > 0 ? new IPEndPoint(IPAddress.Loopback, Options.RepeaterPort) : null;
        _search = new SearchEngine(Options.ResolveSearchDestinations(), Options.MaxSearchInterval, OnSearchReply,
            loggerFactory.CreateLogger<SearchEngine>(), repeater);
        _searchRun = _search.RunAsync(_stop.Token);
    }

    public CaClientOptions Options { get; }

    /// <summary>Waits for the channel to connect and tells its native type, count, server and access rights.</summary>
    public async Task<CaChannelInfo> ConnectAsync(string name, CancellationToken cancellationToken = default)
    {
        var c = await WaitConnectedAsync(name, cancellationToken).ConfigureAwait(false);
        return new CaChannelInfo(name, c.Circuit.Server, c.NativeType, (int)c.NativeCount, (c.Rights & 1) != 0, (c.Rights & 2) != 0);
    }

    /// <summary>Reads the channel as DBR_TIME of its native type, all native elements.</summary>
    public async Task<PvValue> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        var c = await WaitConnectedAsync(name, cancellationToken).ConfigureAwait(false);
        return await ReadAsync(name, c, c.NativeType.Time(), 0, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the channel as <paramref name="type"/> (e.g. DBR_CTRL_DOUBLE, DBR_STRING); count 0 = native count.</summary>
    public async Task<PvValue> GetAsync(string name, DbrType type, int count = 0, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var c = await WaitConnectedAsync(name, cancellationToken).ConfigureAwait(false);
        return await ReadAsync(name, c, type, (uint)count, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes <paramref name="value"/> (a number, string, or array of them) and waits for the server to confirm
    /// (WRITE_NOTIFY). Numbers go as DBR_DOUBLE/DBR_LONG, text as DBR_STRING (servers convert, e.g. enum state names).
    /// </summary>
    public Task PutAsync(string name, object value, CancellationToken cancellationToken = default) =>
        PutAsync(name, value, waitForCompletion: true, cancellationToken);

    /// <summary>Writes <paramref name="value"/>; without <paramref name="waitForCompletion"/> a plain WRITE is sent (no reply).</summary>
    public async Task PutAsync(string name, object value, bool waitForCompletion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        var data = DbrCodec.EncodePut(value, out var type, out var count);
        var c = await WaitConnectedAsync(name, cancellationToken).ConfigureAwait(false);
        if ((c.Rights & 2) == 0)
        {
            throw new CaStatusException(name, EcaStatus.NoWriteAccess, EcaStatus.Describe(EcaStatus.NoWriteAccess));
        }

        var ioid = NextId(ref _nextIoid);
        var message = CaMessages.Write(waitForCompletion, (ushort)type, (uint)count, c.Sid, ioid, data);
        if (waitForCompletion)
        {
            await c.Circuit.RequestAsync(message, ioid, name, false, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            c.Circuit.Send(message);
        }
    }

    /// <summary>Monitors the channel as DBR_TIME of its native type (value and alarm changes).</summary>
    public IAsyncEnumerable<PvValue> MonitorAsync(string name, CancellationToken cancellationToken = default) =>
        MonitorAsync(name, null, 0, CaEventMask.Value | CaEventMask.Alarm, cancellationToken);

    /// <summary>
    /// The values of <see cref="Subscribe"/> as an enumeration that cancels the monitor when it ends. Connection changes
    /// are not part of it: use <see cref="Subscribe"/> and <see cref="CaSubscription.ConnectionChanged"/> to see them.
    /// </summary>
    public async IAsyncEnumerable<PvValue> MonitorAsync(string name, DbrType? type, int count, CaEventMask mask,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var subscription = Subscribe(name, type, count, mask);
        await using var scope = ((IAsyncDisposable)subscription).ConfigureAwait(false);
        while (await subscription.ReadAsync(cancellationToken).ConfigureAwait(false) is { } value)
        {
            yield return value;
        }
    }

    /// <summary>
    /// A monitor of the channel: as <paramref name="type"/> (null: DBR_TIME of the native type), <paramref name="count"/>
    /// elements (0: the server's current count), for the events in <paramref name="mask"/>. The first value is the
    /// current one. The monitor waits for the channel indefinitely and follows it through disconnects, which
    /// <see cref="CaSubscription.ConnectionChanged"/> reports. It starts at the first read; dispose it to cancel.
    /// </summary>
    public CaSubscription Subscribe(string name, DbrType? type = null, int count = 0, CaEventMask mask = CaEventMask.Value | CaEventMask.Alarm)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new CaSubscription(this, name, new ClientSubscription(NextId(ref _nextSubscription), type, (uint)count, mask, Options.MonitorQueueSize));
    }

    internal void StartSubscription(CaSubscription subscription)
    {
        var s = subscription.Inner;
        byte[]? add = null;
        ClientCircuit? circuit = null;
        lock (_lock)
        {
            if (subscription.IsDisposed)
            {
                return;
            }

            var channel = GetOrCreateChannelLocked(subscription.Name);
            channel.Subscriptions.Add(s);
            _subscriptions[s.Id] = (channel, s);
            if (channel.Connected)
            {
                circuit = channel.Circuit;
                add = s.EventAdd(channel.Sid, channel.NativeType, channel.NativeCount);
            }
        }

        if (add is not null)
        {
            circuit!.Send(add);
            s.Connected();
        }
    }

    // Also safe for a subscription that never started (nothing to remove) or that a concurrent first read is starting.
    internal void Unsubscribe(CaSubscription subscription)
    {
        var s = subscription.Inner;
        byte[]? cancel = null;
        ClientCircuit? circuit = null;
        lock (_lock)
        {
            if (_subscriptions.Remove(s.Id, out var entry))
            {
                entry.Channel.Subscriptions.Remove(s);
                if (entry.Channel.Connected)
                {
                    circuit = entry.Channel.Circuit;
                    cancel = s.EventCancel(entry.Channel.Sid);
                }
            }
        }

        if (cancel is not null)
        {
            circuit!.Send(cancel);
        }

        s.Complete();
    }

    public async ValueTask DisposeAsync()
    {
        List<Task> runs;
        List<ClientSubscription> subs;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            runs = [.. _circuitRuns, _searchRun];
            subs = [.. _subscriptions.Values.Select(s => s.Subscription)];
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        _search.Dispose();
        foreach (var s in subs)
        {
            s.Complete();
        }

        try
        {
            await Task.WhenAll(runs).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        catch (TimeoutException)
        {
            _logger.LogWarning("CA client background tasks did not stop within 5 s");
        }

        _stop.Dispose();
    }

    // ---- circuit and search callbacks ------------------------------------------------------------------------------

    internal void OnSearchReply(uint cid, IPEndPoint server)
    {
        ClientChannel? channel;
        Task<ClientCircuit> circuit;
        lock (_lock)
        {
            if (_disposed || !_byCid.TryGetValue(cid, out channel) || !channel.Searching)
            {
                return; // a duplicate reply (another server, or a repeated search) is ignored: the first responder wins
            }

            channel.Searching = false;
            _search.Remove(cid);
            if (!_circuits.TryGetValue(server, out var existing) || existing.IsFaulted || existing.IsCanceled)
            {
                existing = ClientCircuit.ConnectAsync(this, server, _circuitLogger, _stop.Token);
                _circuits[server] = existing;
                _circuitRuns.Add(StartCircuitAsync(existing));
            }

            circuit = existing;
        }

        _ = AttachAsync(channel, server, circuit);
    }

    internal void OnAccessRights(ClientCircuit circuit, uint cid, uint rights)
    {
        lock (_lock)
        {
            if (_byCid.TryGetValue(cid, out var ch) && ch.Circuit == circuit)
            {
                ch.AccessRights = rights;
            }
        }
    }

    internal void OnChannelCreated(ClientCircuit circuit, uint cid, uint sid, DbrType nativeType, uint nativeCount)
    {
        TaskCompletionSource ready;
        List<byte[]> adds = [];
        List<ClientSubscription> subscribed = [];
        lock (_lock)
        {
            if (!_byCid.TryGetValue(cid, out var ch) || ch.Circuit != circuit)
            {
                return;
            }

            ch.Sid = sid;
            ch.NativeType = nativeType;
            ch.NativeCount = nativeCount;
            ch.Connected = true;
            ready = ch.Ready;
            foreach (var s in ch.Subscriptions)
            {
                adds.Add(s.EventAdd(sid, nativeType, nativeCount));
                subscribed.Add(s);
            }

            _logger.LogDebug("CA channel {Name} connected to {Server} ({Type}[{Count}])", ch.Name, circuit.Server, nativeType, nativeCount);
        }

        foreach (var a in adds)
        {
            circuit.Send(a);
        }

        foreach (var s in subscribed)
        {
            s.Connected();
        }

        ready.TrySetResult();
    }

    internal void OnChannelLost(ClientCircuit circuit, uint cid, string reason)
    {
        List<ClientSubscription> subs;
        lock (_lock)
        {
            if (!_byCid.TryGetValue(cid, out var ch) || ch.Circuit != circuit)
            {
                return;
            }

            _logger.LogInformation("CA channel {Name} on {Server}: {Reason}; searching again", ch.Name, circuit.Server, reason);
            subs = ResetLocked(ch, TimeSpan.FromSeconds(1));
        }

        foreach (var s in subs)
        {
            s.Disconnected();
        }
    }

    internal void OnCircuitClosed(ClientCircuit circuit)
    {
        List<ClientSubscription> subs = [];
        lock (_lock)
        {
            if (_circuits.TryGetValue(circuit.Server, out var t) && t.IsCompletedSuccessfully && t.Result == circuit)
            {
                _circuits.Remove(circuit.Server);
            }

            if (_disposed)
            {
                return;
            }

            foreach (var ch in _byCid.Values)
            {
                if (ch.Circuit == circuit)
                {
                    subs.AddRange(ResetLocked(ch, TimeSpan.Zero));
                }
            }
        }

        _logger.LogInformation("CA circuit to {Server} closed", circuit.Server);
        foreach (var s in subs)
        {
            s.Disconnected();
        }
    }

    internal void OnEvent(uint subscriptionId, uint status, DbrType type, int count, ReadOnlySpan<byte> payload)
    {
        ClientSubscription? s;
        string name;
        lock (_lock)
        {
            if (!_subscriptions.TryGetValue(subscriptionId, out var entry))
            {
                return; // cancelled meanwhile
            }

            (s, name) = (entry.Subscription, entry.Channel.Name);
        }

        if (status != EcaStatus.Normal)
        {
            _logger.LogWarning("CA monitor of {Name}: {Status}", name, EcaStatus.Describe(status));
            return;
        }

        s.Deliver(DbrCodec.Decode(type, count, payload, s.AsArray));
    }

    // ---- internals -------------------------------------------------------------------------------------------------

    private async Task StartCircuitAsync(Task<ClientCircuit> connecting)
    {
        ClientCircuit circuit;
        try
        {
            circuit = await connecting.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _logger.LogDebug("CA circuit connect failed: {Reason}", e.Message);
            return;
        }

        await circuit.RunAsync(_stop.Token).ConfigureAwait(false);
    }

    private async Task AttachAsync(ClientChannel channel, IPEndPoint server, Task<ClientCircuit> connecting)
    {
        ClientCircuit circuit;
        try
        {
            circuit = await connecting.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _logger.LogDebug("CA channel {Name}: cannot connect to {Server}: {Reason}", channel.Name, server, e.Message);
            lock (_lock)
            {
                if (!_disposed)
                {
                    channel.Searching = true;
                    _search.Add(channel.Cid, channel.Name, TimeSpan.FromSeconds(1));
                }
            }

            return;
        }

        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            channel.Circuit = circuit;
        }

        circuit.Send(CaMessages.CreateChannel(channel.Name, channel.Cid));
    }

    private List<ClientSubscription> ResetLocked(ClientChannel ch, TimeSpan searchDelay)
    {
        ch.Circuit = null;
        ch.Connected = false;
        ch.AccessRights = 0;
        if (ch.Ready.Task.IsCompleted)
        {
            ch.Ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        ch.Searching = true;
        _search.Add(ch.Cid, ch.Name, searchDelay);
        return [.. ch.Subscriptions];
    }

    private ClientChannel GetOrCreateChannelLocked(string name)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!_byName.TryGetValue(name, out var ch))
        {
            ch = new ClientChannel(name, ++_nextCid) { Searching = true };
            _byName[name] = ch;
            _byCid[ch.Cid] = ch;
            _search.Add(ch.Cid, name);
        }

        return ch;
    }

    private async Task<Connection> WaitConnectedAsync(string name, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Options.ConnectTimeout);
        while (true)
        {
            Task ready;
            lock (_lock)
            {
                var ch = GetOrCreateChannelLocked(name);
                if (ch.Connected && ch.Circuit is { } circuit)
                {
                    return new Connection(circuit, ch.Sid, ch.NativeType, ch.NativeCount, ch.AccessRights);
                }

                ready = ch.Ready.Task;
            }

            try
            {
                await ready.WaitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new CaTimeoutException(name, Options.ConnectTimeout);
            }
        }
    }

    private async Task<PvValue> ReadAsync(string name, Connection c, DbrType type, uint count, CancellationToken cancellationToken)
    {
        if ((c.Rights & 1) == 0)
        {
            throw new CaStatusException(name, EcaStatus.NoReadAccess, EcaStatus.Describe(EcaStatus.NoReadAccess));
        }

        var ioid = NextId(ref _nextIoid);
        var asArray = c.NativeCount != 1 || count > 1;
        var value = await c.Circuit.RequestAsync(CaMessages.ReadNotify((ushort)type, count, c.Sid, ioid), ioid, name, asArray, cancellationToken)
            .ConfigureAwait(false);
        return value!;
    }

    private static uint NextId(ref uint counter) => Interlocked.Increment(ref counter);

    private readonly record struct Connection(ClientCircuit Circuit, uint Sid, DbrType NativeType, uint NativeCount, uint Rights);
}
