using System.Net;
using System.Net.Sockets;
using Epics.Pva.Protocol;
using Epics.Pva.Protocol.Messages;
using Epics.Pva.Transport;

namespace Epics.Pva.Client.Internal;

/// <summary>
/// The client end of one TCP connection to a server, shared by all channels on that server: handshake, channel
/// creation replies, dispatch of operation replies by ioid, echo keep-alive and the inactivity timeout.
/// </summary>
internal sealed class ClientConnection : PvaConnection
{
    private readonly PvaClient _client;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _lock = new();
    private readonly Dictionary<uint, PvaChannel> _channels = [];
    private readonly Dictionary<uint, ClientOperation> _operations = [];
    private ITimer? _timer;
    private uint _nextIoid = 1;
    private bool _byteOrderSeen;

    private ClientConnection(PvaClient client, Socket socket)
        : base(socket, isServer: false, client.Logger, client.TimeProvider, client.Options.Limits) => _client = client;

    public static async Task<ClientConnection> ConnectAsync(PvaClient client, IPEndPoint server, CancellationToken cancellationToken)
    {
        var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(client.Options.ConnectTimeout);
            await socket.ConnectAsync(server, timeout.Token).ConfigureAwait(false);
            var connection = new ClientConnection(client, socket);
            connection.Start();
            try
            {
                await connection._ready.Task.WaitAsync(client.Options.HandshakeTimeout, client.TimeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                connection.Close("handshake did not complete");
                throw;
            }

            var period = Min(client.Options.EchoPeriod, client.Options.ConnectionTimeout / 3);
            connection._timer = client.TimeProvider.CreateTimer(static s => ((ClientConnection)s!).Tick(), connection, period, period);
            Log.Connected(client.Logger, connection.PeerName);
            return connection;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TimeoutException($"connecting to {server} timed out");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void AttachChannel(PvaChannel channel)
    {
        lock (_lock)
        {
            _channels[channel.Cid] = channel;
        }

        if (IsClosed)
        {
            channel.OnLost(this);
        }
    }

    public void DetachChannel(PvaChannel channel)
    {
        lock (_lock)
        {
            _channels.Remove(channel.Cid);
        }
    }

    /// <summary>Registers an operation under a fresh ioid (never reusing a live one).</summary>
    public bool Register(ClientOperation operation)
    {
        lock (_lock)
        {
            if (IsClosed)
            {
                return false;
            }

            do
            {
                operation.Ioid = _nextIoid++;
            }
            while (operation.Ioid == 0 || _operations.ContainsKey(operation.Ioid));

            _operations[operation.Ioid] = operation;
            return true;
        }
    }

    public void Unregister(ClientOperation operation)
    {
        lock (_lock)
        {
            if (_operations.TryGetValue(operation.Ioid, out var o) && ReferenceEquals(o, operation))
            {
                _operations.Remove(operation.Ioid);
            }
        }
    }

    /// <summary>Sends DESTROY_REQUEST for an operation and forgets it.</summary>
    public void DestroyRequest(ClientOperation operation, uint sid)
    {
        Unregister(operation);
        this.SendMessage(new DestroyRequestMessage(sid, operation.Ioid));
    }

    protected override void OnControl(in PvaHeader header)
    {
        if (header.Command == (byte)PvaControlCommand.SetByteOrder)
        {
            // pvAccessCPP servers decode in their own order whatever our flags say, so we adopt theirs for sending.
            SendBigEndian = header.IsBigEndian;
            _byteOrderSeen = true;
        }
    }

    protected override void OnMessage(in PvaHeader header, ReadOnlySpan<byte> payload)
    {
        var reader = new PvaReader(payload, header.IsBigEndian, ReceiveTypes, CurrentBacking);
        switch ((PvaCommand)header.Command)
        {
            case PvaCommand.ConnectionValidation:
            {
                if (!_byteOrderSeen)
                {
                    SendBigEndian = header.IsBigEndian;
                }

                var methods = ConnectionValidation.ReadServer(ref reader);
                var method = ConnectionValidation.ChooseMethod(methods);
                Send(PvaCommand.ConnectionValidation, (method, _client.UserName, _client.HostName),
                    static (in PvaWriter w, in (string Method, string User, string Host) s) =>
                        ConnectionValidation.WriteClient(w, s.Method, s.User, s.Host));
                break;
            }

            case PvaCommand.ConnectionValidated:
                // pvxs clients go on even when the server rejects the credentials; so do we (it logged why).
                reader.ReadStatus();
                _ready.TrySetResult();
                break;
            case PvaCommand.CreateChannel:
            {
                var response = CreateChannelResponse.Read(ref reader);
                PvaChannel? channel;
                lock (_lock)
                {
                    _channels.TryGetValue(response.Cid, out channel);
                }

                channel?.OnCreated(this, response.Sid, response.Status);
                break;
            }

            case PvaCommand.DestroyChannel:
            {
                var cid = DestroyChannel.Read(ref reader).Cid;
                PvaChannel? channel;
                lock (_lock)
                {
                    _channels.Remove(cid, out channel);
                }

                if (channel is not null)
                {
                    FailOperationsOf(channel);
                    channel.OnLost(this);
                }

                break;
            }

            case PvaCommand.Message:
            {
                var message = ServerMessage.Read(ref reader);
                Log.RemoteMessage(Logger, message.Ioid, message.Text);
                break;
            }

            case PvaCommand.Get:
            case PvaCommand.Put:
            case PvaCommand.PutGet:
            case PvaCommand.Monitor:
            case PvaCommand.Rpc:
            case PvaCommand.GetField:
            case PvaCommand.Process:
            {
                var peek = reader;
                var ioid = peek.ReadUInt32();
                ClientOperation? op;
                lock (_lock)
                {
                    _operations.TryGetValue(ioid, out op);
                }

                // Replies for finished operations are dropped (a late reply after DESTROY is legal). The operation
                // reads the whole reply, ioid included.
                op?.OnReply((PvaCommand)header.Command, ref reader);
                break;
            }

            default:
                break; // echo replies, beacons over TCP, AUTHNZ, ACL_CHANGE and unknown commands are ignored
        }
    }

    protected override void OnClosed(string reason)
    {
        _timer?.Dispose();
        _ready.TrySetException(new PvaDisconnectedException($"connection to {PeerName} closed: {reason}"));
        _ = _ready.Task.Exception;
        ClientOperation[] operations;
        PvaChannel[] channels;
        lock (_lock)
        {
            operations = [.. _operations.Values];
            _operations.Clear();
            channels = [.. _channels.Values];
            _channels.Clear();
        }

        foreach (var op in operations)
        {
            op.OnDisconnected(reason);
        }

        foreach (var channel in channels)
        {
            channel.OnLost(this);
        }

        _client.OnConnectionClosed(this);
    }

    private void FailOperationsOf(PvaChannel channel)
    {
        List<ClientOperation> failed = [];
        lock (_lock)
        {
            foreach (var (ioid, op) in _operations)
            {
                if (op is IChannelOperation co && ReferenceEquals(co.Channel, channel))
                {
                    failed.Add(op);
                }
            }

            foreach (var op in failed)
            {
                _operations.Remove(op.Ioid);
            }
        }

        foreach (var op in failed)
        {
            op.OnDisconnected("channel destroyed by the server");
        }
    }

    private void Tick()
    {
        if (IsClosed)
        {
            return;
        }

        var idle = Idle;
        if (idle > _client.Options.ConnectionTimeout)
        {
            Log.InactivityTimeout(Logger, PeerName, idle.TotalSeconds);
            Close("inactivity timeout");
            return;
        }

        Send(PvaCommand.Echo, 0, static (in PvaWriter w, in int _) => { });
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}

/// <summary>Operations bound to one channel (so a server-side channel destroy can fail them).</summary>
internal interface IChannelOperation
{
    PvaChannel Channel { get; }
}
