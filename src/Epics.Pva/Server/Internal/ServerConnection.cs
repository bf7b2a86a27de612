using System.Net.Sockets;
using Epics.Pva.Data;
using Epics.Pva.Protocol;
using Epics.Pva.Protocol.Messages;
using Epics.Pva.Transport;

namespace Epics.Pva.Server.Internal;

/// <summary>
/// The server end of one client connection: handshake and dispatch here; channels, operations (GET, PUT, PUT_GET,
/// RPC, GET_FIELD, PROCESS) and monitors in the other parts of this class. Requests are decoded on the receive loop;
/// put and RPC handlers run on the thread pool. Requests on a PV without a type are held in the PV
/// (<see cref="HeldRequest"/>) and go on when it opens.
/// </summary>
internal sealed partial class ServerConnection : PvaConnection
{
    private static readonly string[] AuthMethods = ["anonymous", "ca"];

    private readonly PvaServer _server;
    private readonly Lock _lock = new();
    private readonly Dictionary<uint, ServerChannel> _channels = [];
    private readonly Dictionary<uint, ServerOperation> _operations = [];
    private readonly Dictionary<uint, (HeldRequest Request, ServerChannel Channel)> _held = [];
    private readonly CancellationTokenSource _handlers = new();
    private ITimer? _timer;
    private uint _nextSid = 1;
    private string? _user;
    private string? _host;

    public ServerConnection(PvaServer server, Socket socket)
        : base(socket, isServer: true, server.Logger, server.Options.TimeProvider, server.Options.Limits) => _server = server;

    public int ChannelCount
    {
        get
        {
            lock (_lock)
            {
                return _channels.Count;
            }
        }
    }

    public void Begin()
    {
        Start();
        // The server speaks first: byte order (little endian, size field 0), then validation with the auth methods.
        SendControl(PvaControlCommand.SetByteOrder, 0, bigEndian: false);
        Send(PvaCommand.ConnectionValidation, AuthMethods, static (in PvaWriter w, in string[] m) => ConnectionValidation.WriteServer(w, m));
        var period = TimeSpan.FromSeconds(Math.Clamp(_server.Options.ConnectionTimeout.TotalSeconds / 4, 0.1, 5));
        _timer = TimeProvider.CreateTimer(static s => ((ServerConnection)s!).Tick(), this, period, period);
    }

    protected override void OnMessage(in PvaHeader header, ReadOnlySpan<byte> payload)
    {
        try
        {
            Handle(header, payload);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException or InvalidCastException or IndexOutOfRangeException)
        {
            // What a request's content can make a handler throw is the client's error, not ours: a protocol error (warning,
            // rate-limited) that closes this connection, never an internal error with a stack trace.
            throw new PvaProtocolException($"bad {(PvaCommand)header.Command} request: {e.Message}");
        }
    }

    private void Handle(in PvaHeader header, ReadOnlySpan<byte> payload)
    {
        var r = new PvaReader(payload, header.IsBigEndian, ReceiveTypes, CurrentBacking);
        var command = (PvaCommand)header.Command;
        switch (command)
        {
            case PvaCommand.ConnectionValidation:
            {
                var (method, user, host) = ConnectionValidation.ReadClient(ref r);
                _user = method == "ca" ? user : null;
                _host = method == "ca" ? host : null;
                var status = method is "ca" or "anonymous" or "" ? PvaStatus.Ok : PvaStatus.Error($"authentication method '{method}' not offered");
                Send(PvaCommand.ConnectionValidated, status, static (in PvaWriter w, in PvaStatus s) => w.WriteStatus(s));
                break;
            }

            case PvaCommand.Echo:
            {
                var copy = payload.ToArray();
                Send(PvaCommand.Echo, copy, static (in PvaWriter w, in byte[] p) => w.WriteBytes(p));
                break;
            }

            case PvaCommand.Search:
                _server.AnswerTcpSearch(this, header, payload);
                break;
            case PvaCommand.CreateChannel:
                foreach (var request in CreateChannelRequest.ReadAll(ref r))
                {
                    CreateChannel(request);
                }

                break;
            case PvaCommand.DestroyChannel:
            {
                var request = DestroyChannel.Read(ref r);
                if (RemoveChannel(request.Sid))
                {
                    this.SendMessage(request);
                }

                break;
            }

            case PvaCommand.DestroyRequest:
            case PvaCommand.CancelRequest:
                DestroyOperation(DestroyRequestMessage.Read(ref r, command).Ioid);
                break;
            case PvaCommand.GetField:
                AnswerGetField(GetFieldRequest.Read(ref r));
                break;
            case PvaCommand.Get:
            case PvaCommand.Put:
            case PvaCommand.PutGet:
            case PvaCommand.Monitor:
            case PvaCommand.Rpc:
            case PvaCommand.Process:
                HandleOperation(command, ref r);
                break;
            default:
                break; // AUTHNZ, MESSAGE and unknown commands: ignored (forward compatibility)
        }
    }

    protected override void OnClosed(string reason)
    {
        _timer?.Dispose();
        _handlers.Cancel();
        DropWaitingMonitors();
        DropOutgoing();
        ServerOperation[] ops;
        ServerChannel[] channels;
        (HeldRequest Request, ServerChannel Channel)[] held;
        lock (_lock)
        {
            ops = [.. _operations.Values];
            _operations.Clear();
            channels = [.. _channels.Values];
            _channels.Clear();
            held = [.. _held.Values];
            _held.Clear();
        }

        foreach (var op in ops)
        {
            op.Monitor?.Destroy();
        }

        foreach (var (request, channel) in held)
        {
            channel.Pv.Unhold(request);
        }

        foreach (var channel in channels)
        {
            channel.Pv.DetachClient(channel.Name, Logger);
        }

        _server.OnConnectionClosed(this);
    }

    private void Tick()
    {
        if (IsClosed)
        {
            return;
        }

        if (IsHeldBack)
        {
            // Nothing is read from a client held back, so its silence means nothing; its not reading does.
            if (NotReadingTooLong(out var seconds))
            {
                ServerLog.NotReading(Logger, PeerName, seconds);
                Close($"the client has read none of its replies for {seconds:F0} s");
            }
        }
        else if (Idle > _server.Options.ConnectionTimeout)
        {
            Epics.Pva.Log.InactivityTimeout(Logger, PeerName, Idle.TotalSeconds);
            Close("inactivity timeout");
        }
    }
}
