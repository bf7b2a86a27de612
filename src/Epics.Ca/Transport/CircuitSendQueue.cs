namespace Epics.Ca.Transport;

/// <summary>
/// What a server circuit has yet to send. Replies and monitor updates queue in order; once a subscription has
/// <see cref="MaxUpdatesPerSubscription"/> updates waiting, a new one replaces the newest of them (the client gets the
/// newest value, as RSRV does when its event queue fills), so a subscriber that does not read costs a bounded number of
/// messages per subscription while bursts within the bound all go out. Replies are counted in bytes so the circuit can
/// stop reading requests from a client that does not read its replies.
/// </summary>
internal sealed class CircuitSendQueue
{
    private readonly Lock _lock = new();
    /// <summary>Updates a subscription may have waiting before a newer one replaces the newest of them.</summary>
    public const int MaxUpdatesPerSubscription = 16;

    private readonly Queue<object> _items = new(); // byte[] (a reply) or PendingUpdate
    private readonly SemaphoreSlim _ready = new(0);
    private TaskCompletionSource? _drained;
    private long _replyBytes;
    private long _coalesced;
    private bool _completed;

    /// <summary>Bytes of replies waiting (monitor updates are bounded by the number of subscriptions instead).</summary>
    public long ReplyBytes
    {
        get
        {
            lock (_lock)
            {
                return _replyBytes;
            }
        }
    }

    /// <summary>Monitor updates replaced by a newer one before they were sent.</summary>
    public long Coalesced => Interlocked.Read(ref _coalesced);

    public void EnqueueReply(byte[] message)
    {
        lock (_lock)
        {
            if (_completed)
            {
                return;
            }

            _items.Enqueue(message);
            _replyBytes += message.Length;
        }

        _ready.Release();
    }

    public void EnqueueUpdate(ServerSubscription subscription, byte[] message)
    {
        lock (_lock)
        {
            if (_completed)
            {
                return;
            }

            if (subscription.PendingUpdates >= MaxUpdatesPerSubscription && subscription.NewestPending is { } newest)
            {
                newest.Message = message;
                Interlocked.Increment(ref _coalesced);
                return;
            }

            var pending = new PendingUpdate(subscription, message);
            subscription.PendingUpdates++;
            subscription.NewestPending = pending;
            _items.Enqueue(pending);
        }

        _ready.Release();
    }

    /// <summary>The next message to send, or null when the queue has been completed and is empty.</summary>
    public async ValueTask<byte[]?> DequeueAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await _ready.WaitAsync(cancellationToken).ConfigureAwait(false);
            lock (_lock)
            {
                if (!_items.TryDequeue(out var item))
                {
                    if (_completed)
                    {
                        _ready.Release(); // keep later callers from waiting
                        return null;
                    }

                    continue;
                }

                switch (item)
                {
                    case byte[] reply:
                        _replyBytes -= reply.Length;
                        if (_drained is not null && _replyBytes <= 0)
                        {
                            _drained.TrySetResult();
                            _drained = null;
                        }

                        return reply;
                    case PendingUpdate p:
                        var s = p.Subscription;
                        s.PendingUpdates--;
                        if (ReferenceEquals(s.NewestPending, p))
                        {
                            s.NewestPending = null;
                        }

                        if (!s.Cancelled)
                        {
                            return p.Message;
                        }

                        continue;
                }
            }
        }
    }

    /// <summary>Completes when fewer than <paramref name="limit"/> reply bytes wait (or the queue is completed).</summary>
    public Task WaitForRoomAsync(long limit)
    {
        lock (_lock)
        {
            if (_replyBytes < limit || _completed)
            {
                return Task.CompletedTask;
            }

            _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _drained.Task;
        }
    }

    /// <summary>Nothing more is accepted; the sender ends once what is queued has gone.</summary>
    public void Complete()
    {
        lock (_lock)
        {
            _completed = true;
            _drained?.TrySetResult();
            _drained = null;
        }

        _ready.Release();
    }

    /// <summary>A monitor update waiting in the queue; the newest of a subscription's may be replaced by a newer one.</summary>
    internal sealed class PendingUpdate(ServerSubscription subscription, byte[] message)
    {
        public ServerSubscription Subscription { get; } = subscription;

        public byte[] Message { get; set; } = message;
    }
}
