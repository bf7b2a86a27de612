using Epics.Ca;
using Epics.Ca.Client;
using Epics.Pva;
using Epics.Pva.Client;
using Epics.Streaming.Processing;
using Microsoft.Extensions.Logging;

namespace Epics.Streaming.Consumer.Internal;

/// <summary>
/// One metadata channel (framework.md §8): a monitor over PVA (<c>pva://name</c>) or CA (<c>ca://name</c> or a bare
/// name) feeding a queue of its own that only the processor reads. Not distributed: every update is queued, and a
/// full queue rejects (and counts) new ones.
/// </summary>
internal sealed class MetadataChannel : IAsyncDisposable
{
    /// <summary>The queue size when the consumer has no receiver queue (framework.md §8).</summary>
    public const int DefaultQueueSize = 1000;

    private readonly CancellationTokenSource _stopping = new();
    private Task _receiving = Task.CompletedTask;
    private long _received;
    private long _overruns;

    private MetadataChannel(int id, string name, bool overCa, int queueSize)
    {
        Id = id;
        Name = name;
        OverCa = overCa;
        Queue = new PvObjectQueue(queueSize);
    }

    public int Id { get; }

    public string Name { get; }

    public bool OverCa { get; }

    public PvObjectQueue Queue { get; }

    /// <summary>The channels of a <c>--metadata-channels</c> list, numbered from 1; empty items are skipped.</summary>
    public static List<MetadataChannel> Parse(string? list, int receiverQueueSize)
    {
        var channels = new List<MetadataChannel>();
        foreach (var item in (list ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var overPva = item.StartsWith("pva://", StringComparison.Ordinal);
            var name = overPva ? item["pva://".Length..] : item.StartsWith("ca://", StringComparison.Ordinal) ? item["ca://".Length..] : item;
            channels.Add(new MetadataChannel(channels.Count + 1, name, !overPva, receiverQueueSize >= 0 ? receiverQueueSize : DefaultQueueSize));
        }

        return channels;
    }

    public MetadataStatistics Statistics =>
        new(Id, Name, Interlocked.Read(ref _received), Interlocked.Read(ref _overruns), Queue.Statistics);

    public void ResetStatistics()
    {
        Interlocked.Exchange(ref _received, 0);
        Interlocked.Exchange(ref _overruns, 0);
        Queue.ResetStatistics();
    }

    /// <summary>Starts the PVA monitor with <paramref name="request"/> (the whole structure, §8).</summary>
    public void Start(PvaClient client, string request, ILogger logger)
    {
        var subscription = client.Subscribe(Name, request);
        _receiving = Task.Run(() => ReceiveAsync(subscription, logger), CancellationToken.None);
    }

    /// <summary>Starts the CA monitor (DBR_TIME: value, alarm and timeStamp).</summary>
    public void Start(CaClient client, ILogger logger)
    {
        var subscription = client.Subscribe(Name);
        _receiving = Task.Run(() => ReceiveAsync(subscription, logger), CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _receiving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        Queue.CancelWaits();
        _stopping.Dispose(); // the queue is cleared by the consumer, after its final statistics

    }

    private async Task ReceiveAsync(PvaSubscription subscription, ILogger logger)
    {
        await using var scope = ((IAsyncDisposable)subscription).ConfigureAwait(false);
        try
        {
            while (await subscription.ReadAsync(_stopping.Token).ConfigureAwait(false) is { } update)
            {
                Interlocked.Increment(ref _received);
                if (!update.Overrun.IsEmpty)
                {
                    Interlocked.Increment(ref _overruns);
                }

                if (!Queue.TryPut(update.Value))
                {
                    update.Dispose(); // rejected: counted by the queue
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is PvaException or InvalidOperationException)
        {
            logger.LogError(e, "Metadata channel {Channel} failed: {Message}", Name, e.Message);
        }
    }

    private async Task ReceiveAsync(CaSubscription subscription, ILogger logger)
    {
        await using var scope = ((IAsyncDisposable)subscription).ConfigureAwait(false);
        try
        {
            while (await subscription.ReadAsync(_stopping.Token).ConfigureAwait(false) is { } value)
            {
                Interlocked.Increment(ref _received);
                if (!Queue.TryPut(value))
                {
                    value.Dispose();
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is CaException or InvalidOperationException)
        {
            logger.LogError(e, "Metadata channel {Channel} failed: {Message}", Name, e.Message);
        }
    }
}
