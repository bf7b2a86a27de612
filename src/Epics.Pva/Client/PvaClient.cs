using System.Collections.Concurrent;
using System.Net;
using Epics.Pva.Client.Internal;
using Epics.Pva.Transport.Discovery;
using Microsoft.Extensions.Logging;

namespace Epics.Pva.Client;

/// <summary>
/// A PV Access client: finds PVs by UDP search (or name servers), keeps one TCP connection per server shared by all
/// channels, and runs get, put, monitor, RPC and introspection on them. Configure it with
/// <see cref="PvaClientOptions"/> (<see cref="PvaClientOptions.FromEnvironment"/> reads the EPICS_PVA_* variables).
/// </summary>
/// <example>
/// <code>
/// await using var client = new PvaClient(PvaClientOptions.FromEnvironment());
/// var value = await client.GetAsync("demo:pv");
/// await foreach (var update in client.MonitorAsync("demo:image")) { ... }
/// </code>
/// </example>
public sealed partial class PvaClient : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, PvaChannel> _channels = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<IPEndPoint, Lazy<Task<ClientConnection>>> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly ChannelSearcher _searcher;
    private int _nextCid;
    private int _disposed;

    /// <summary>A client with <paramref name="options"/> (default: <see cref="PvaClientOptions.Default"/>).</summary>
    public PvaClient(PvaClientOptions? options = null)
    {
        Options = options ?? PvaClientOptions.Default;
        Logger = Options.LoggerFactory.CreateLogger("Epics.Pva.Client");
        _searcher = new ChannelSearcher(Options);
    }

    /// <summary>The options this client was made with.</summary>
    public PvaClientOptions Options { get; }

    internal ILogger Logger { get; }

    internal TimeProvider TimeProvider => Options.TimeProvider;

    internal CancellationToken Stopping => _stopping.Token;

    internal string UserName => Options.UserName;

    internal string HostName => Options.HostName;

    /// <summary>Number of open TCP connections (one per server in use).</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>
    /// The channel for <paramref name="name"/> (shared by all operations on it), connected. Throws
    /// <see cref="OperationCanceledException"/> if <paramref name="cancellationToken"/> fires first.
    /// </summary>
    public async Task<PvaChannel> ConnectAsync(string name, CancellationToken cancellationToken = default)
    {
        var channel = GetChannel(name);
        await channel.WaitConnectedAsync(cancellationToken).ConfigureAwait(false);
        return channel;
    }

    /// <summary>The channel for <paramref name="name"/>, searching for it if needed (not waiting).</summary>
    public PvaChannel GetChannel(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var created = false;
        var channel = _channels.GetOrAdd(name, n =>
        {
            created = true;
            return new PvaChannel(this, n, (uint)Interlocked.Increment(ref _nextCid));
        });
        if (created)
        {
            channel.StartSearch();
        }

        return channel;
    }

    internal void Search(PvaChannel channel)
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        _searcher.Register(channel.Cid, channel.Name, result =>
        {
            _searcher.Unregister(channel.Cid);
            _ = channel.OnFoundAsync(result.Server);
        });
    }

    internal async Task<ClientConnection> GetConnectionAsync(IPEndPoint server)
    {
        while (true)
        {
            var lazy = _connections.GetOrAdd(server, s => new Lazy<Task<ClientConnection>>(() => ClientConnection.ConnectAsync(this, s, _stopping.Token)));
            try
            {
                var connection = await lazy.Value.ConfigureAwait(false);
                if (!connection.IsClosed)
                {
                    return connection;
                }
            }
            catch
            {
                _connections.TryRemove(new KeyValuePair<IPEndPoint, Lazy<Task<ClientConnection>>>(server, lazy));
                throw;
            }

            _connections.TryRemove(new KeyValuePair<IPEndPoint, Lazy<Task<ClientConnection>>>(server, lazy));
        }
    }

    internal void OnConnectionClosed(ClientConnection connection)
    {
        foreach (var (endpoint, lazy) in _connections)
        {
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully && ReferenceEquals(lazy.Value.Result, connection))
            {
                _connections.TryRemove(new KeyValuePair<IPEndPoint, Lazy<Task<ClientConnection>>>(endpoint, lazy));
            }
        }

        // A server that went away: look for its channels quickly when it returns.
        _searcher.SearchNow();
    }

    /// <summary>Closes every channel and connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stopping.Cancel();
        foreach (var channel in _channels.Values)
        {
            _searcher.Unregister(channel.Cid);
            channel.Close();
        }

        await _searcher.DisposeAsync().ConfigureAwait(false);
        foreach (var lazy in _connections.Values)
        {
            if (lazy.IsValueCreated)
            {
                try
                {
                    var connection = await lazy.Value.ConfigureAwait(false);
                    await connection.DisposeAsync().ConfigureAwait(false);
                }
                catch (Exception e) when (e is PvaException or IOException or System.Net.Sockets.SocketException or TimeoutException or OperationCanceledException)
                {
                }
            }
        }

        _connections.Clear();
        _channels.Clear();
        _stopping.Dispose();
    }
}
