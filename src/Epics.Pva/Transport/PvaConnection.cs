using System.Net;
using System.Net.Sockets;
using Epics.Pva.Data;
using Epics.Pva.Protocol;
using Microsoft.Extensions.Logging;

namespace Epics.Pva.Transport;

/// <summary>Encodes one message payload into a writer (static lambdas with a struct state keep sends allocation-free).</summary>
internal delegate void MessageWriter<TState>(in PvaWriter writer, in TState state);

/// <summary>
/// One TCP connection, either side: a receive loop that frames messages (reassembling segments) and hands each whole
/// payload to <see cref="OnMessage"/>, and a send loop that ships whatever accumulated since the last send in one
/// gathered write. Producers encode straight into the pending batch under a lock, so many small messages coalesce
/// into few system calls and large frames are spliced without a copy. The receive side is in
/// PvaConnection.Receive.cs.
/// </summary>
internal abstract partial class PvaConnection : IAsyncDisposable
{
    /// <summary>Messages larger than this are refused (the payload size field is 32-bit; pvDataCPP reads it signed).</summary>
    public const int MaxPayload = int.MaxValue - 64;

    /// <summary>Producers should hold back once this much is waiting to be sent (see <see cref="CanSendMore"/>).</summary>
    public const int SendHighWatermark = 4 * 1024 * 1024;

    private readonly Socket _socket;
    private readonly Lock _sendLock = new();
    private readonly SemaphoreSlim _sendSignal = new(0);
    private readonly CancellationTokenSource _closed = new();
    private readonly TaskCompletionSource _closedTcs = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<ArraySegment<byte>> _segments = [];
    private MessageBuilder _pending = new(64 * 1024);
    private MessageBuilder _sending = new(64 * 1024);
    private int _signaled;
    private long _deferredBytes;
    private long _pendingLength; // _pending.Length as of the last change: read without the lock the writers hold
    private long _lastReceiveTimestamp;
    private Task? _receiveTask;
    private Task? _sendTask;
    private string? _closeReason;

    protected PvaConnection(Socket socket, bool isServer, ILogger logger, TimeProvider timeProvider, PvaLimits? limits = null)
    {
        Limits = limits ?? PvaLimits.Default;
        Limits.Validate();
        ReceiveTypes = new TypeRegistry(Limits);
        _socket = socket;
        IsServer = isServer;
        Logger = logger;
        TimeProvider = timeProvider;
        socket.NoDelay = true;
        Peer = socket.RemoteEndPoint as IPEndPoint ?? new IPEndPoint(IPAddress.None, 0);
        PeerName = Peer.ToString();
        _lastReceiveTimestamp = timeProvider.GetTimestamp();
    }

    public bool IsServer { get; }

    public IPEndPoint Peer { get; }

    public string PeerName { get; }

    protected ILogger Logger { get; }

    protected TimeProvider TimeProvider { get; }

    /// <summary>Byte order of what we send: the server's choice, adopted by the client from SET_BYTE_ORDER.</summary>
    public bool SendBigEndian { get; protected set; }

    /// <summary>Receive-direction type cache (types the peer defined with 0xFD).</summary>
    public TypeRegistry ReceiveTypes { get; }

    /// <summary>What a peer may make this connection spend.</summary>
    public PvaLimits Limits { get; }

    /// <summary>Cancelled when the connection closes.</summary>
    public CancellationToken Closed => _closed.Token;

    /// <summary>Completes when the connection has closed and its loops have ended.</summary>
    public Task Completion => _closedTcs.Task;

    public bool IsClosed => _closed.IsCancellationRequested;

    /// <summary>Time since anything was last received.</summary>
    public TimeSpan Idle => TimeProvider.GetElapsedTime(Interlocked.Read(ref _lastReceiveTimestamp));

    /// <summary>
    /// Bytes waiting for the next send (not counting the batch being sent), including what a subclass has queued for
    /// its send loop to encode (<see cref="AddDeferredBytes"/>).
    /// </summary>
    public long PendingBytes => Volatile.Read(ref _pendingLength) + Interlocked.Read(ref _deferredBytes);

    /// <summary>Whether a producer may queue another large message now without building an unbounded backlog.</summary>
    public bool CanSendMore => PendingBytes < SendHighWatermark;

    public void Start()
    {
        _receiveTask = Task.Run(ReceiveLoopAsync);
        _sendTask = Task.Run(SendLoopAsync);
    }

    /// <summary>Queues one application message. Returns false when the connection is closed.</summary>
    public bool Send<TState>(PvaCommand command, in TState state, MessageWriter<TState> write)
    {
        lock (_sendLock)
        {
            if (_closed.IsCancellationRequested)
            {
                return false;
            }

            var start = PvaHeader.Begin(_pending);
            try
            {
                write(new PvaWriter(_pending, SendBigEndian), state);
                PvaHeader.End(_pending, start, IsServer, SendBigEndian, command);
                Volatile.Write(ref _pendingLength, _pending.Length);
            }
            catch
            {
                _pending.Truncate(start);
                throw;
            }
        }

        Signal();
        return true;
    }

    /// <summary>Queues complete, already framed message bytes (header included).</summary>
    public void SendRaw(ReadOnlySpan<byte> message)
    {
        lock (_sendLock)
        {
            if (_closed.IsCancellationRequested)
            {
                return;
            }

            message.CopyTo(_pending.GetSpan(message.Length));
            _pending.Advance(message.Length);
            Volatile.Write(ref _pendingLength, _pending.Length);
        }

        Signal();
    }

    /// <summary>Queues a control message (header only; <paramref name="value"/> goes in the size field).</summary>
    protected void SendControl(PvaControlCommand command, uint value, bool bigEndian)
    {
        lock (_sendLock)
        {
            var span = _pending.GetSpan(PvaHeader.Size);
            PvaHeader.Write(span, IsServer, bigEndian, (byte)command, value, control: true);
            _pending.Advance(PvaHeader.Size);
            Volatile.Write(ref _pendingLength, _pending.Length);
        }

        Signal();
    }

    /// <summary>
    /// During <see cref="OnMessage"/> of a large message: the pooled buffer holding the payload, which a decoder may
    /// adopt for the message's big array (pass it to the <see cref="PvaReader"/>). Null otherwise.
    /// </summary>
    protected ReceiveBuffer? CurrentBacking => _dispatchBacking;

    /// <summary>Handles one whole application message; the payload span is only valid during the call.</summary>
    protected abstract void OnMessage(in PvaHeader header, ReadOnlySpan<byte> payload);

    /// <summary>Handles a control message (header only).</summary>
    protected virtual void OnControl(in PvaHeader header)
    {
    }

    /// <summary>Called after each batch has gone to the socket (producers held back by the watermark may continue).</summary>
    protected virtual void OnSendCompleted()
    {
    }

    /// <summary>
    /// Called on the send loop each time it wakes, before it takes the pending batch: a subclass encodes here what it
    /// asked for with <see cref="WakeSendLoop"/> (monitor updates), so that work runs on this connection's send loop
    /// instead of on the thread that produced the value.
    /// </summary>
    protected virtual void OnSendLoopWake()
    {
    }

    /// <summary>Wakes the send loop (it calls <see cref="OnSendLoopWake"/>, then sends what is pending).</summary>
    protected void WakeSendLoop() => Signal();

    /// <summary>Bytes already encoded into the batch the send loop will send next.</summary>
    protected long EncodedPendingBytes => Volatile.Read(ref _pendingLength);

    /// <summary>Counts (or, negative, uncounts) an estimate of messages queued for <see cref="OnSendLoopWake"/> in <see cref="PendingBytes"/>.</summary>
    protected void AddDeferredBytes(long bytes) => Interlocked.Add(ref _deferredBytes, bytes);

    /// <summary>Awaited before each message is read: a server holds back a client whose replies pile up unread.</summary>
    protected virtual ValueTask BeforeReceiveAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>Called once when the connection closes, with the reason.</summary>
    protected abstract void OnClosed(string reason);

    /// <summary>Closes the connection (idempotent); <paramref name="reason"/> is logged and passed to <see cref="OnClosed"/>.</summary>
    public void Close(string reason)
    {
        lock (_sendLock)
        {
            if (_closed.IsCancellationRequested)
            {
                return;
            }

            _closeReason = reason;
            _closed.Cancel();
        }

        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }

        _socket.Dispose();
        Log.Disconnected(Logger, PeerName, reason);
        try
        {
            OnClosed(reason);
        }
        catch (Exception e)
        {
            Log.HandlerError(Logger, PeerName, e);
        }

        _ = FinishAsync();
    }

    private async Task FinishAsync()
    {
        try
        {
            if (_receiveTask is not null)
            {
                await _receiveTask.ConfigureAwait(false);
            }

            if (_sendTask is not null)
            {
                await _sendTask.ConfigureAwait(false);
            }
        }
        finally
        {
            lock (_sendLock)
            {
                _pending.Dispose();
                _sending.Dispose();
            }

            if (_segmentBuffer is not null)
            {
                FrameBufferPool.Shared.Return(_segmentBuffer);
                _segmentBuffer = null;
            }

            _closedTcs.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Close("closed locally");
        await Completion.ConfigureAwait(false);
        _closed.Dispose();
        _sendSignal.Dispose();
    }

    public string? CloseReason => _closeReason;

    private void Signal()
    {
        if (Interlocked.Exchange(ref _signaled, 1) == 0)
        {
            _sendSignal.Release();
        }
    }

    private async Task SendLoopAsync()
    {
        try
        {
            while (true)
            {
                await _sendSignal.WaitAsync(_closed.Token).ConfigureAwait(false);
                Volatile.Write(ref _signaled, 0);
                OnSendLoopWake();
                MessageBuilder batch;
                lock (_sendLock)
                {
                    if (_pending.Length == 0)
                    {
                        continue;
                    }

                    batch = _pending;
                    _pending = _sending;
                    _sending = batch;
                    Volatile.Write(ref _pendingLength, _pending.Length);
                }

                _segments.Clear();
                batch.GetSegments(_segments);
                await SendAllAsync(_segments).ConfigureAwait(false);
                lock (_sendLock)
                {
                    batch.Reset();
                }

                OnSendCompleted();
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
        {
            Close($"send failed: {e.Message}");
        }
        catch (Exception e)
        {
            Log.HandlerError(Logger, PeerName, e);
            Close($"send failed: {e.Message}");
        }
    }

    private async Task SendAllAsync(List<ArraySegment<byte>> segments)
    {
        long total = 0;
        foreach (var s in segments)
        {
            total += s.Count;
        }

        var sent = (long)await _socket.SendAsync(segments, SocketFlags.None).ConfigureAwait(false);
        while (sent < total)
        {
            // A partial gathered send: drop what went and send the rest.
            var skip = sent;
            var rest = new List<ArraySegment<byte>>();
            foreach (var s in segments)
            {
                if (skip >= s.Count)
                {
                    skip -= s.Count;
                    continue;
                }

                rest.Add(skip > 0 ? s.Slice((int)skip) : s);
                skip = 0;
            }

            segments = rest;
            total -= sent;
            sent = await _socket.SendAsync(segments, SocketFlags.None).ConfigureAwait(false);
        }
    }
}

