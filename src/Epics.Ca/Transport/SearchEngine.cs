using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Epics.Ca.Protocol;
using Microsoft.Extensions.Logging;

namespace Epics.Ca.Transport;

/// <summary>
/// UDP name resolution: batches VERSION+SEARCH datagrams to every destination, repeating each pending name with a
/// doubling interval up to a maximum, and reports replies (server TCP endpoint per cid). It also registers its socket
/// with the local caRepeater and treats a forwarded beacon from a new or restarted server as a reason to search again
/// at once.
/// </summary>
internal sealed class SearchEngine : IDisposable
{
    private const int MaxDatagram = 1024;
    private static readonly TimeSpan FirstInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>Registration attempts before concluding there is no repeater (most hosts in tests have none).</summary>
    private const int MaxRegistrationAttempts = 24;

    private readonly Socket _udp = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly IReadOnlyList<IPEndPoint> _destinations;
    private readonly TimeSpan _maxInterval;
    private readonly Action<uint, IPEndPoint> _found;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<uint, Entry> _pending = [];
    private readonly IPEndPoint? _repeater;
    private readonly TimeSpan _registrationInterval;
    private readonly TaskCompletionSource _registered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Last beacon sequence per server TCP endpoint; touched only by the receive loop.
    private readonly Dictionary<IPEndPoint, uint> _beacons = [];
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private uint _sequence;

    public SearchEngine(IReadOnlyList<IPEndPoint> destinations, TimeSpan maxInterval, Action<uint, IPEndPoint> found, ILogger logger,
        IPEndPoint? repeater = null, TimeSpan? registrationInterval = null)
    {
        _repeater = repeater;
        _registrationInterval = registrationInterval ?? TimeSpan.FromSeconds(5);
        _destinations = destinations;
        _maxInterval = maxInterval;
        _found = found;
        _logger = logger;
        _udp.EnableBroadcast = true;
        _udp.Bind(new IPEndPoint(IPAddress.Any, 0));
        if (destinations.Count == 0)
        {
            logger.LogWarning("CA client has no search destinations (set EPICS_CA_ADDR_LIST)");
        }
    }

    /// <summary>Completes when the repeater has answered REPEATER_CONFIRM.</summary>
    public Task Registered => _registered.Task;

    /// <summary>The local UDP endpoint searches (and the repeater registration) are sent from.</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)_udp.LocalEndPoint!;

    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(SendLoopAsync(cancellationToken), ReceiveLoopAsync(cancellationToken), RegisterLoopAsync(cancellationToken));

    /// <summary>Every channel still searching is searched again now, its back-off restarting from the first interval.</summary>
    public void SearchAllNow()
    {
        lock (_lock)
        {
            var now = Environment.TickCount64;
            foreach (var e in _pending.Values)
            {
                e.Due = now;
                e.Interval = FirstInterval;
            }

            _wake.TrySetResult();
        }
    }

    public void Add(uint cid, string name, TimeSpan delay = default)
    {
        lock (_lock)
        {
            _pending[cid] = new Entry(name, Environment.TickCount64 + (long)delay.TotalMilliseconds, FirstInterval);
            _wake.TrySetResult();
        }
    }

    public void Remove(uint cid)
    {
        lock (_lock)
        {
            _pending.Remove(cid);
        }
    }

    public void Dispose() => _udp.Dispose();

    private async Task SendLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var due = new List<(uint Cid, string Name)>();
            var wait = Timeout.InfiniteTimeSpan;
            Task wake;
            lock (_lock)
            {
                if (_wake.Task.IsCompleted)
                {
                    _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                wake = _wake.Task;
                var now = Environment.TickCount64;
                var next = long.MaxValue;
                foreach (var (cid, e) in _pending)
                {
                    if (e.Due <= now)
                    {
                        due.Add((cid, e.Name));
                        e.Due = now + (long)e.Interval.TotalMilliseconds;
                        e.Interval = TimeSpan.FromTicks(Math.Min(e.Interval.Ticks * 2, _maxInterval.Ticks));
                    }

                    next = Math.Min(next, e.Due);
                }

                if (next != long.MaxValue)
                {
                    wait = TimeSpan.FromMilliseconds(Math.Max(1, next - now));
                }
            }

            try
            {
                await SendAsync(due, cancellationToken).ConfigureAwait(false);
                await Task.WhenAny(wake, Task.Delay(wait, cancellationToken)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Sends REPEATER_REGISTER to the repeater until it confirms. libca sends from its search socket with 127.0.0.1 in
    /// the header, so the repeater forwards beacons to this very socket.
    /// </summary>
    private async Task RegisterLoopAsync(CancellationToken cancellationToken)
    {
        if (_repeater is null)
        {
            return;
        }

        var message = CaMessages.RepeaterRegister(AddressToWire(IPAddress.Loopback));
        for (var attempt = 1; attempt <= MaxRegistrationAttempts; attempt++)
        {
            try
            {
                await _udp.SendToAsync(message, SocketFlags.None, _repeater, cancellationToken).ConfigureAwait(false);
                await _registered.Task.WaitAsync(_registrationInterval, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (TimeoutException)
            {
                _logger.LogTrace("no CA repeater confirmation from {Repeater} after attempt {Attempt}", _repeater, attempt);
            }
            catch (SocketException e)
            {
                _logger.LogTrace("CA repeater registration to {Repeater} failed: {Reason}", _repeater, e.Message);
                try
                {
                    await Task.Delay(_registrationInterval, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
        }

        _logger.LogDebug("no CA repeater on {Repeater}; beacons will not trigger re-searches", _repeater);
    }

    /// <summary>A forwarded RSRV_IS_UP: a server not seen before, or one whose sequence went back, means search now.</summary>
    private void OnBeacon(CaHeader header, IPEndPoint source)
    {
        var address = header.Parameter2 == 0 ? source.Address : WireToAddress(header.Parameter2);
        var server = new IPEndPoint(address, (ushort)header.Count);
        var sequence = header.Parameter1;
        var isNew = !_beacons.TryGetValue(server, out var last);
        _beacons[server] = sequence;
        if (isNew || sequence < last)
        {
            _logger.LogDebug("CA beacon from {Kind} server {Server}; searching again", isNew ? "new" : "restarted", server);
            SearchAllNow();
        }
    }

    private static uint AddressToWire(IPAddress address) => BinaryPrimitives.ReadUInt32BigEndian(address.GetAddressBytes());

    private static IPAddress WireToAddress(uint p) => new([(byte)(p >> 24), (byte)(p >> 16), (byte)(p >> 8), (byte)p]);

    private async Task SendAsync(List<(uint Cid, string Name)> due, CancellationToken cancellationToken)
    {
        var datagram = new List<byte>(MaxDatagram);
        for (var i = 0; i < due.Count; i++)
        {
            if (datagram.Count == 0)
            {
                datagram.AddRange(CaMessages.UdpVersion(++_sequence));
            }

            datagram.AddRange(CaMessages.Search(due[i].Name, due[i].Cid));
            var last = i + 1 == due.Count;
            if (last || datagram.Count + CaHeader.Size + CaMessages.Pad8(due[i + 1].Name.Length + 1) > MaxDatagram)
            {
                await SendToAllAsync([.. datagram], cancellationToken).ConfigureAwait(false);
                datagram.Clear();
            }
        }
    }

    private async Task SendToAllAsync(byte[] datagram, CancellationToken cancellationToken)
    {
        foreach (var to in _destinations)
        {
            try
            {
                await _udp.SendToAsync(datagram, SocketFlags.None, to, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                _logger.LogDebug("CA search to {Target} failed: {Reason}", to, e.Message);
            }
        }
    }

    private async Task ReceiveLoopAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!cancellationToken.IsCancellationRequested)
        {
            SocketReceiveFromResult r;
            try
            {
                r = await _udp.ReceiveFromAsync(buffer, SocketFlags.None, any, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                continue; // ICMP unreachable from a destination without a server
            }

            try
            {
                foreach (var m in CaMessageReader.ParseDatagram(buffer.AsMemory(0, r.ReceivedBytes), MaxDatagram * 64))
                {
                    var source = (IPEndPoint)r.RemoteEndPoint;
                    switch (m.Header.Command)
                    {
                        case CaCommand.Search:
                            var p1 = m.Header.Parameter1;
                            var address = p1 == CaCommand.AddressFromSource ? source.Address : WireToAddress(p1);
                            _found(m.Header.Parameter2, new IPEndPoint(address, m.Header.DataType));
                            break;
                        case CaCommand.RepeaterConfirm when _repeater is not null && source.Port == _repeater.Port:
                            if (_registered.TrySetResult())
                            {
                                _logger.LogDebug("registered with CA repeater {Repeater}", source);
                            }

                            break;
                        case CaCommand.RsrvIsUp:
                            OnBeacon(m.Header, source);
                            break;
                    }
                }
            }
            catch (CaProtocolException e)
            {
                _logger.LogDebug("ignoring malformed CA search reply from {Remote}: {Reason}", r.RemoteEndPoint, e.Message);
            }
        }
    }

    private sealed class Entry(string name, long due, TimeSpan interval)
    {
        public string Name { get; } = name;

        public long Due { get; set; } = due;

        public TimeSpan Interval { get; set; } = interval;
    }
}
