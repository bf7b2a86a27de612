using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Epics.Streaming.Consumer;

// Stopping: the input, then the processor within one bound (a hung processor is left behind and said so), then the
// clients and the server.
public sealed partial class DataConsumer
{
    /// <summary>Stops the input, the processor (its <c>Stop</c>) and the server; returns the final statistics.</summary>
    public async Task<ConsumerStatistics> StopAsync()
    {
        if (_final is not null)
        {
            return _final;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_subscription is not null)
        {
            await _subscription.DisposeAsync().ConfigureAwait(false);
        }

        if (_caSubscription is not null)
        {
            await _caSubscription.DisposeAsync().ConfigureAwait(false);
        }

        // One bound for everything that runs the processor: a hung Process (or Stop) must not keep the consumer alive.
        var deadline = Stopwatch.GetTimestamp() + (long)(Options.StopTimeout.TotalSeconds * Stopwatch.Frequency);
        if (_receiving is not null)
        {
            await _receiving.WaitAsync(Remaining(deadline)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await _endpoints.StopMetadataAsync().ConfigureAwait(false);
        _queue?.CancelWaits();
        _processing?.Join(Remaining(deadline));
        var stopping = Task.Run(StopProcessor, CancellationToken.None);
        await stopping.WaitAsync(Remaining(deadline, minimum: TimeSpan.FromMilliseconds(200))).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (!stopping.IsCompleted)
        {
            var call = _watchdog?.CurrentCall;
            var failure = call is { } c
                ? string.Create(CultureInfo.InvariantCulture,
                    $"the processor did not stop within {Options.StopTimeout.TotalSeconds:0.###} s: its Process call on object {c.ObjectId} has run for {c.Running.TotalSeconds:0.0} s")
                : string.Create(CultureInfo.InvariantCulture,
                    $"the processor did not stop within {Options.StopTimeout.TotalSeconds:0.###} s (its Process or Stop call has not returned)");
            Volatile.Write(ref _stopFailure, failure);
            _logger.LogError("Consumer {Id}: {Failure}; leaving it behind", Options.ConsumerId, failure);
        }

        _final = GetStatistics();
        _queue?.Clear();
        _endpoints.ClearMetadata();
        await _endpoints.StopAsync().ConfigureAwait(false);

        _logger.LogInformation("Stopped hpc consumer {Id}", Options.ConsumerId);
        return _final;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_started)
        {
            await StopAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
        _watchdog?.Dispose();
    }

    private void StopProcessor()
    {
        try
        {
            _controller.Stop();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _logger.LogError(e, "Processor stop failed: {Message}", e.Message);
        }
    }

    private static TimeSpan Remaining(long deadline, TimeSpan minimum = default)
    {
        var left = TimeSpan.FromSeconds((double)(deadline - Stopwatch.GetTimestamp()) / Stopwatch.Frequency);
        return left > minimum ? left : minimum;
    }
}
