using System.Net;
using Epics.Pva.Client.Internal;
using Epics.Pva.Protocol.Messages;

namespace Epics.Pva.Client;

/// <summary>
/// A named PV as seen by a <see cref="PvaClient"/>. Channels are shared by every operation on the same name; they
/// search, connect, and after a server loss search and reconnect again, re-starting monitors on their own.
/// </summary>
public sealed class PvaChannel
{
    private readonly PvaClient _client;
    private readonly Lock _lock = new();
    private readonly List<IChannelListener> _listeners = [];
    private TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal PvaChannel(PvaClient client, string name, uint cid)
    {
        _client = client;
        Name = name;
        Cid = cid;
    }

    /// <summary>The PV name.</summary>
    public string Name { get; }

    /// <summary>Current state.</summary>
    public PvaChannelState State { get; private set; } = PvaChannelState.Searching;

    /// <summary>The server's TCP address while connected (or connecting).</summary>
    public IPEndPoint? Server { get; private set; }

    internal uint Cid { get; }

    internal uint Sid { get; private set; }

    internal ClientConnection? Connection { get; private set; }

    /// <summary>Waits until the channel is connected.</summary>
    public Task WaitConnectedAsync(CancellationToken cancellationToken = default)
    {
        Task t;
        lock (_lock)
        {
            if (State == PvaChannelState.Closed)
            {
                throw new ObjectDisposedException(nameof(PvaChannel));
            }

            t = _connected.Task;
        }

        return t.WaitAsync(cancellationToken);
    }

    /// <summary>The connection and server channel id, once connected.</summary>
    internal async Task<(ClientConnection Connection, uint Sid)> GetConnectedAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await WaitConnectedAsync(cancellationToken).ConfigureAwait(false);
            lock (_lock)
            {
                if (State == PvaChannelState.Connected && Connection is { IsClosed: false } c)
                {
                    return (c, Sid);
                }
            }
        }
    }

    internal void AddListener(IChannelListener listener)
    {
        bool connected;
        lock (_lock)
        {
            _listeners.Add(listener);
            connected = State == PvaChannelState.Connected;
        }

        if (connected)
        {
            listener.OnChannelConnected(this);
        }
    }

    internal void RemoveListener(IChannelListener listener)
    {
        lock (_lock)
        {
            _listeners.Remove(listener);
        }
    }

    internal void StartSearch()
    {
        lock (_lock)
        {
            if (State == PvaChannelState.Closed)
            {
                return;
            }

            State = PvaChannelState.Searching;
            Server = null;
        }

        _client.Search(this);
    }

    // A server answered our search: connect to it (sharing the connection) and create the channel there.
    internal async Task OnFoundAsync(IPEndPoint server)
    {
        lock (_lock)
        {
            if (State != PvaChannelState.Searching)
            {
                return;
            }

            State = PvaChannelState.Connecting;
            Server = server;
        }

        try
        {
            var connection = await _client.GetConnectionAsync(server).ConfigureAwait(false);
            lock (_lock)
            {
                if (State != PvaChannelState.Connecting)
                {
                    return;
                }

                Connection = connection;
            }

            connection.AttachChannel(this);
            connection.SendMessage(new CreateChannelRequest(Cid, Name));
            _ = WatchCreationAsync(connection);
        }
        catch (Exception e) when (!_client.Stopping.IsCancellationRequested)
        {
            // Whatever went wrong, the channel must not stay in Connecting: nothing else would ever search for it again.
            Log.ConnectFailed(_client.Logger, server.ToString(), e.Message);
            await RetryLaterAsync().ConfigureAwait(false);
        }
    }

    internal void OnCreated(ClientConnection connection, uint sid, Epics.Pva.Data.PvaStatus status)
    {
        if (!status.IsSuccess)
        {
            Log.ChannelFailed(_client.Logger, Name, connection.PeerName, status.Message);
            connection.DetachChannel(this);
            lock (_lock)
            {
                Connection = null;
            }

            _ = RetryLaterAsync();
            return;
        }

        IChannelListener[] listeners;
        lock (_lock)
        {
            if (State != PvaChannelState.Connecting || !ReferenceEquals(Connection, connection))
            {
                return;
            }

            Sid = sid;
            State = PvaChannelState.Connected;
            listeners = [.. _listeners];
            _connected.TrySetResult();
        }

        Log.ChannelCreated(_client.Logger, Name, connection.PeerName);
        foreach (var l in listeners)
        {
            l.OnChannelConnected(this);
        }
    }

    // The connection dropped or the server destroyed the channel: tell operations, then search again.
    internal void OnLost(ClientConnection connection)
    {
        IChannelListener[] listeners;
        lock (_lock)
        {
            if (!ReferenceEquals(Connection, connection) || State == PvaChannelState.Closed)
            {
                return;
            }

            var wasConnected = State == PvaChannelState.Connected;
            Connection = null;
            State = PvaChannelState.Searching;
            Server = null;
            if (_connected.Task.IsCompleted)
            {
                _connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            listeners = wasConnected ? [.. _listeners] : [];
        }

        foreach (var l in listeners)
        {
            l.OnChannelDisconnected(this);
        }

        _client.Search(this);
    }

    internal void Close()
    {
        ClientConnection? connection;
        lock (_lock)
        {
            if (State == PvaChannelState.Closed)
            {
                return;
            }

            connection = State == PvaChannelState.Connected ? Connection : null;
            State = PvaChannelState.Closed;
            Connection = null;
            _connected.TrySetException(new ObjectDisposedException(nameof(PvaChannel), $"channel {Name} closed"));
            _ = _connected.Task.Exception; // observed
        }

        if (connection is not null)
        {
            connection.DetachChannel(this);
            connection.SendMessage(new DestroyChannel(Sid, Cid));
        }
    }

    // A server that never answers CREATE_CHANNEL must not leave the channel waiting forever: give up and search again.
    private async Task WatchCreationAsync(ClientConnection connection)
    {
        try
        {
            await Task.Delay(_client.Options.CreateChannelTimeout, _client.TimeProvider, _client.Stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        lock (_lock)
        {
            if (State != PvaChannelState.Connecting || !ReferenceEquals(Connection, connection))
            {
                return;
            }

            Connection = null;
        }

        connection.DetachChannel(this);
        Log.ChannelFailed(_client.Logger, Name, connection.PeerName, "no reply to CREATE_CHANNEL");
        await RetryLaterAsync().ConfigureAwait(false);
    }

    private async Task RetryLaterAsync()
    {
        // Hold off before searching again so a refusing or unreachable server does not cause a tight loop.
        try
        {
            await Task.Delay(_client.Options.ChannelRetryDelay, _client.TimeProvider, _client.Stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        lock (_lock)
        {
            if (State != PvaChannelState.Connecting)
            {
                return;
            }

            State = PvaChannelState.Searching;
            Connection = null;
        }

        StartSearch();
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({State})";
}
