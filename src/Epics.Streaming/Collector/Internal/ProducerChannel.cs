using Epics.Pva;
using Epics.Pva.Client;
using Epics.Pva.Data;
using Epics.Streaming.Processing;
using Microsoft.Extensions.Logging;

namespace Epics.Streaming.Collector.Internal;

/// <summary>
/// One producer of a collector (framework.md §9.1): a PVA monitor whose objects go into a bounded queue (queue mode)
/// or straight to the collector (direct mode), with its counters.
/// </summary>
internal sealed class ProducerChannel : IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _receiving = Task.CompletedTask;
    private long _received;
    private long _overruns;

    public ProducerChannel(CollectorProducer producer, int queueSize)
    {
        Producer = producer;
        Queue = queueSize >= 0 ? new PvObjectQueue(queueSize) : null;
    }

    public CollectorProducer Producer { get; }

    /// <summary>The producer queue, or null in direct mode.</summary>
    public PvObjectQueue? Queue { get; }

    public ProducerStatistics Statistics =>
        new(Producer.Id, Producer.Channel, Interlocked.Read(ref _received), Interlocked.Read(ref _overruns), Queue?.Statistics ?? default);

    public void ResetStatistics()
    {
        Interlocked.Exchange(ref _received, 0);
        Interlocked.Exchange(ref _overruns, 0);
        Queue?.ResetStatistics();
    }

    /// <summary>
    /// Starts the monitor. Each object is queued (a full queue rejects and counts it) or, without a queue, handed to
    /// <paramref name="deliver"/>, which owns it from then on; <paramref name="queued"/> runs after each queued object.
    /// </summary>
    public void Start(PvaClient client, string request, Action<PvValue> deliver, Action queued, ILogger logger)
    {
        var subscription = client.Subscribe(Producer.Channel, request);
        _receiving = Task.Run(() => ReceiveAsync(subscription, deliver, queued, logger), CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _receiving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        Queue?.CancelWaits();
        _stopping.Dispose();
    }

    private async Task ReceiveAsync(PvaSubscription subscription, Action<PvValue> deliver, Action queued, ILogger logger)
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

                if (Queue is null)
                {
                    deliver(update.Value);
                }
                else if (Queue.TryPut(update.Value))
                {
                    queued();
                }
                else
                {
                    update.Value.Dispose(); // rejected: counted by the queue
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is PvaException or InvalidOperationException)
        {
            logger.LogError(e, "Producer channel {Channel} failed: {Message}", Producer.Channel, e.Message);
        }
    }
}
