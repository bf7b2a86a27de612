using Epics.Ca.Transport;
using Epics.Pva.Data;

namespace Epics.Ca.Client;

/// <summary>
/// A monitor on one Channel Access channel, shaped like <c>Epics.Pva.Client.PvaSubscription</c>: read or enumerate it
/// for values, and watch <see cref="ConnectionChanged"/> for its server coming and going. It follows the channel
/// through disconnects (the monitor is re-established after a server restart) and waits for a channel that is not
/// there yet; the values are only what the server sent. The subscription starts at the first read, so handlers attached
/// right after <see cref="CaClient.Subscribe"/> see every connection change. Dispose it to cancel the monitor.
/// </summary>
public sealed class CaSubscription : IAsyncEnumerable<PvValue>, IAsyncDisposable
{
    private readonly CaClient _client;
    private int _started;
    private int _disposed;

    internal CaSubscription(CaClient client, string name, ClientSubscription inner)
    {
        _client = client;
        Name = name;
        Inner = inner;
        inner.ConnectionChanged = connected => ConnectionChanged?.Invoke(this, connected);
    }

    /// <summary>The channel monitored.</summary>
    public string Name { get; }

    /// <summary>True while the monitor is established on a server.</summary>
    public bool IsConnected => Inner.IsConnected;

    /// <summary>Times the monitor was (re)established on a server.</summary>
    public int Connects => Inner.Connects;

    /// <summary>
    /// Raised (on a network thread) when the monitor is established on a server (true) or loses it (false), as
    /// <c>PvaSubscription.ConnectionChanged</c>.
    /// </summary>
    public event Action<CaSubscription, bool>? ConnectionChanged;

    internal ClientSubscription Inner { get; }

    internal bool IsDisposed => Volatile.Read(ref _disposed) == 1;

    /// <summary>The next value (the first is the current one), or null when the subscription has been disposed.</summary>
    public async ValueTask<PvValue?> ReadAsync(CancellationToken cancellationToken = default)
    {
        Start();
        try
        {
            return await Inner.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (System.Threading.Channels.ChannelClosedException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerator<PvValue> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        while (await ReadAsync(cancellationToken).ConfigureAwait(false) is { } value)
        {
            yield return value;
        }
    }

    /// <summary>Cancels the monitor on the server and ends the enumeration.</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _client.Unsubscribe(this);
        }

        return ValueTask.CompletedTask;
    }

    private void Start()
    {
        if (Volatile.Read(ref _disposed) == 0 && Interlocked.Exchange(ref _started, 1) == 0)
        {
            _client.StartSubscription(this);
        }
    }
}
