using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Epics.Ca.Protocol;
using Epics.Ca.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Epics.Ca.Server;

/// <summary>
/// A small Channel Access server for double and double-array PVs (pva-protocol §11.6): answers UDP searches, sends
/// beacons, and serves get/put/monitor over TCP with conversions to every DBR type 0–34 and DBR_CLASS_NAME.
/// <code>
/// await using var server = new CaServer(CaServerOptions.Isolated());
/// var pv = server.AddPv("demo:x", 1.5);
/// server.Start();
/// pv.Post(2.5);
/// </code>
/// </summary>
public sealed class CaServer : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, CaServerPv> _pvs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<ServerCircuit, Task> _circuits = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private Socket? _listener;
    private Socket? _udp;
    private Task[] _loops = [];

    public CaServer(CaServerOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        Options = options ?? CaServerOptions.Default;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<CaServer>();
    }

    public CaServerOptions Options { get; }

    /// <summary>The bound TCP port (after <see cref="Start"/>).</summary>
    public int TcpPort { get; private set; }

    /// <summary>The bound UDP search port (after <see cref="Start"/>); clients put it in EPICS_CA_ADDR_LIST.</summary>
    public int UdpPort { get; private set; }

    /// <summary>Number of connected clients.</summary>
    public int CircuitCount => _circuits.Count;

    /// <summary>Adds a scalar double PV.</summary>
    public CaServerPv AddPv(string name, double initial, CaPvMetadata? metadata = null) =>
        Add(new CaServerPv(name, [initial], false, 1, metadata ?? CaPvMetadata.Default));

    /// <summary>Adds an array-of-double PV whose native count is <paramref name="capacity"/> (default: the initial length).</summary>
    public CaServerPv AddPv(string name, double[] initial, int? capacity = null, CaPvMetadata? metadata = null)
    {
        var max = capacity ?? Math.Max(1, initial.Length);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1, nameof(capacity));
        return Add(new CaServerPv(name, initial.AsSpan(0, Math.Min(initial.Length, max)).ToArray(), true, max, metadata ?? CaPvMetadata.Default));
    }

    /// <summary>The PV called <paramref name="name"/>, or null.</summary>
    public CaServerPv? Find(string name) => _pvs.GetValueOrDefault(name);

    /// <summary>Binds the sockets and starts serving. Throws <see cref="SocketException"/> if a port is taken.</summary>
    public void Start()
    {
        if (_listener is not null)
        {
            throw new InvalidOperationException("the server is already started");
        }

        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            // Reuse lets a restarted server take its port back at once, and several servers share the UDP search port.
            listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Bind(new IPEndPoint(Options.InterfaceAddress, Options.TcpPort));
            listener.Listen(64);
            udp.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            udp.EnableBroadcast = true;
            udp.Bind(new IPEndPoint(Options.InterfaceAddress, Options.UdpPort));
        }
        catch
        {
            listener.Dispose();
            udp.Dispose();
            throw;
        }

        _listener = listener;
        _udp = udp;
        TcpPort = ((IPEndPoint)listener.LocalEndPoint!).Port;
        UdpPort = ((IPEndPoint)udp.LocalEndPoint!).Port;
        _logger.LogInformation("CA server on {Address} TCP {TcpPort} UDP {UdpPort}", Options.InterfaceAddress, TcpPort, UdpPort);
        _loops = [AcceptLoopAsync(_stop.Token), SearchLoopAsync(_stop.Token), BeaconLoopAsync(_stop.Token)];
    }

    /// <summary>Stops listening and closes every circuit (clients see the server go away).</summary>
    private int _disposed;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        _listener?.Dispose();
        _udp?.Dispose();
        foreach (var c in _circuits.Keys)
        {
            c.Abort();
        }

        await Task.WhenAll([.. _loops, .. _circuits.Values]).ConfigureAwait(false);
        _stop.Dispose();
    }

    private CaServerPv Add(CaServerPv pv)
    {
        ArgumentException.ThrowIfNullOrEmpty(pv.Name);
        return _pvs.TryAdd(pv.Name, pv) ? pv : throw new ArgumentException($"PV '{pv.Name}' already exists", nameof(pv));
    }

    private async Task AcceptLoopAsync(CancellationToken cancellationToken)
    {
        var logger = _loggerFactory.CreateLogger<ServerCircuit>();
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener!.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            socket.NoDelay = true;
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            var circuit = new ServerCircuit(this, socket, logger);
            var run = Task.Run(() => circuit.RunAsync(cancellationToken), CancellationToken.None);
            _circuits[circuit] = run;
            _ = run.ContinueWith(_ => _circuits.TryRemove(circuit, out Task? _), CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private async Task SearchLoopAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!cancellationToken.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _udp!.ReceiveFromAsync(buffer, SocketFlags.None, any, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                // ICMP port-unreachable from an earlier reply surfaces here on some systems; keep serving.
                _logger.LogDebug("CA search socket: {Reason}", e.Message);
                continue;
            }

            var reply = AnswerSearch(buffer.AsMemory(0, received.ReceivedBytes), received.RemoteEndPoint);
            if (reply is not null)
            {
                try
                {
                    await _udp.SendToAsync(reply, SocketFlags.None, received.RemoteEndPoint, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
                {
                    _logger.LogDebug("CA search reply to {Remote} failed: {Reason}", received.RemoteEndPoint, e.Message);
                }
            }
        }
    }

    /// <summary>The reply datagram for a search datagram (VERSION + one reply per hosted name), or null.</summary>
    internal byte[]? AnswerSearch(ReadOnlyMemory<byte> datagram, EndPoint from)
    {
        List<CaMessage> messages;
        try
        {
            messages = CaMessageReader.ParseDatagram(datagram, 64 * 1024);
        }
        catch (CaProtocolException e)
        {
            _logger.LogDebug("ignoring malformed CA datagram from {Remote}: {Reason}", from, e.Message);
            return null;
        }

        uint sequence = 0;
        List<byte[]> replies = [];
        foreach (var m in messages)
        {
            var h = m.Header;
            if (h.Command == CaCommand.Version)
            {
                sequence = h.Parameter1;
            }
            else if (h.Command == CaCommand.Search)
            {
                var name = DbrCodec.ReadString(m.Payload.Span);
                if (_pvs.ContainsKey(name))
                {
                    replies.Add(CaMessages.SearchReply((ushort)TcpPort, h.Parameter2));
                }
                else if (h.DataType == CaCommand.SearchDoReply)
                {
                    replies.Add(CaMessages.NotFound(h.Parameter2));
                }
            }
        }

        if (replies.Count == 0)
        {
            return null;
        }

        var version = CaMessages.UdpVersion(sequence);
        var result = new byte[version.Length + replies.Sum(r => r.Length)];
        version.CopyTo(result, 0);
        var at = version.Length;
        foreach (var r in replies)
        {
            r.CopyTo(result, at);
            at += r.Length;
        }

        return result;
    }

    private async Task BeaconLoopAsync(CancellationToken cancellationToken)
    {
        if (Options.BeaconAddresses.Count == 0)
        {
            return;
        }

        var interval = TimeSpan.FromMilliseconds(20);
        uint sequence = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var beacon = CaMessages.Beacon((ushort)TcpPort, sequence++);
            foreach (var to in Options.BeaconAddresses)
            {
                try
                {
                    await _udp!.SendToAsync(beacon, SocketFlags.None, to, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is SocketException)
                {
                    _logger.LogDebug("CA beacon to {Target} failed: {Reason}", to, e.Message);
                }
                catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
                {
                    return;
                }
            }

            try
            {
                await Task.Delay(interval, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            interval = TimeSpan.FromTicks(Math.Min(interval.Ticks * 2, Options.BeaconPeriod.Ticks));
        }
    }
}
