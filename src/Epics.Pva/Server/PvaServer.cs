using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Epics.Pva.Protocol;
using Epics.Pva.Protocol.Messages;
using Epics.Pva.Server.Internal;
using Epics.Pva.Transport.Discovery;
using Microsoft.Extensions.Logging;

namespace Epics.Pva.Server;

/// <summary>
/// A PV Access server: answers searches for the PVs it has (UDP, and TCP for name-server clients), sends beacons, and
/// serves get, put, monitor, RPC and introspection to any EPICS 7 client. Add PVs with <see cref="AddPv"/> or a
/// <see cref="IPvSource"/>, then <see cref="StartAsync"/>.
/// </summary>
/// <example>
/// <code>
/// await using var server = new PvaServer(PvaServerOptions.FromEnvironment());
/// var pv = new SharedPv(NTScalar.Create(ScalarType.Double).Structure);
/// server.AddPv("demo:pv", pv);
/// await server.StartAsync();
/// </code>
/// </example>
public sealed class PvaServer : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ServerPv> _pvs = new(StringComparer.Ordinal);
    private readonly List<IPvSource> _sources = [];
    private readonly ConcurrentDictionary<ServerConnection, byte> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly PvaGuid _guid = PvaGuid.NewRandom();
    private Socket? _listener;
    private Task? _acceptLoop;
    private SearchHandler? _searchHandler;
    private SearchResponder? _responder;
    private BeaconSender? _beacons;
    private int _disposed;

    /// <summary>A server with <paramref name="options"/> (default: <see cref="PvaServerOptions.Default"/>).</summary>
    public PvaServer(PvaServerOptions? options = null)
    {
        Options = options ?? PvaServerOptions.Default;
        Logger = Options.LoggerFactory.CreateLogger("Epics.Pva.Server");
    }

    /// <summary>The options this server was made with.</summary>
    public PvaServerOptions Options { get; }

    internal ILogger Logger { get; }

    /// <summary>The TCP port clients connect to (known after <see cref="StartAsync"/>).</summary>
    public int TcpPort { get; private set; }

    /// <summary>The UDP port searches are answered on (0 when UDP is disabled).</summary>
    public int UdpPort { get; private set; }

    /// <summary>Number of client connections open now.</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>Names served by <see cref="AddPv"/>.</summary>
    public IReadOnlyCollection<string> PvNames => [.. _pvs.Keys];

    /// <summary>Serves <paramref name="pv"/> (a <see cref="SharedPv"/> or a custom <see cref="ServerPv"/>) as <paramref name="name"/>.</summary>
    public void AddPv(string name, ServerPv pv)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!_pvs.TryAdd(name, pv))
        {
            throw new ArgumentException($"a PV named {name} is already served", nameof(name));
        }

        _beacons?.NotifyChanged();
    }

    /// <summary>Stops serving <paramref name="name"/> (existing channels keep working until closed).</summary>
    public bool RemovePv(string name) => _pvs.TryRemove(name, out _);

    /// <summary>Adds a source consulted for names not added with <see cref="AddPv"/>.</summary>
    public void AddSource(IPvSource source)
    {
        lock (_sources)
        {
            _sources.Add(source);
        }
    }

    /// <summary>Binds the TCP port (falling back to an ephemeral one if taken) and starts UDP search and beacons.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_listener is not null)
        {
            throw new InvalidOperationException("server already started");
        }

        var address = Options.InterfaceAddresses.Count > 0 && IPAddress.TryParse(Options.InterfaceAddresses[0], out var a) ? a : IPAddress.Any;
        _listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            _listener.Bind(new IPEndPoint(address, Options.ServerPort));
        }
        catch (SocketException) when (Options.ServerPort != 0)
        {
            // Like pvxs: another server has the port, so take any; searches and beacons carry the real one.
            _listener.Dispose();
            _listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            _listener.Bind(new IPEndPoint(address, 0));
        }

        _listener.Listen(512);
        TcpPort = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        if (Options.EnableUdp)
        {
            _searchHandler = new SearchHandler(_guid, name => Find(name) is not null, TcpPort, Logger);
            _responder = SearchResponder.Start(Options, _searchHandler);
            UdpPort = _responder.Port;
            _beacons = new BeaconSender(Options, _guid, TcpPort, UdpPort);
        }
        else
        {
            _searchHandler = new SearchHandler(_guid, name => Find(name) is not null, TcpPort, Logger);
        }

        _acceptLoop = Task.Run(AcceptLoopAsync, CancellationToken.None);
        Logger.LogInformation("PVA server listening on TCP {Port}, UDP {UdpPort}", TcpPort, UdpPort);
        return Task.CompletedTask;
    }

    /// <summary>Client options that see only this server (for tests and tools): its UDP port on 127.0.0.1.</summary>
    public PvaClientOptions CreateClientOptions() => Options.CreateClientOptions(UdpPort, TcpPort);

    internal ServerPv? Find(string name)
    {
        if (_pvs.TryGetValue(name, out var pv))
        {
            return pv;
        }

        lock (_sources)
        {
            foreach (var source in _sources)
            {
                if (source.FindPv(name) is { } found)
                {
                    return found;
                }
            }
        }

        return null;
    }

    internal void AnswerTcpSearch(ServerConnection connection, in PvaHeader header, ReadOnlySpan<byte> payload)
    {
        using var builder = new MessageBuilder(256);
        if (_searchHandler is not null && _searchHandler.TryBuildSearchResponse(payload, header.IsBigEndian, builder, connection.SendBigEndian))
        {
            connection.SendRaw(builder.ToArray());
        }
    }

    internal void OnConnectionClosed(ServerConnection connection) => _connections.TryRemove(connection, out _);

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener!.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException e)
            {
                Logger.LogWarning("accept failed: {Error}", e.Message);
                continue;
            }

            try
            {
                var connection = new ServerConnection(this, socket);
                _connections[connection] = 0;
                connection.Begin();
                Log.Connected(Logger, connection.PeerName);
            }
            catch (SocketException)
            {
                socket.Dispose();
            }
        }
    }

    /// <summary>Stops accepting, closes every connection and the UDP sockets.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener?.Dispose();
        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }

        foreach (var connection in _connections.Keys)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        if (_beacons is not null)
        {
            await _beacons.DisposeAsync().ConfigureAwait(false);
        }

        if (_responder is not null)
        {
            await _responder.DisposeAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
    }
}
