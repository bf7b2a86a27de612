using Epics.Pva.Data;
using Microsoft.Extensions.Logging;

namespace Epics.Streaming.Collector;

// The way in (producer monitors or queues into the sorting cache) and the processing thread that takes the runs out.
public sealed partial class DataCollector
{
    // Direct mode: an object from a producer monitor goes into the cache at once (the cache owns it unless rejected).
    private void Collect(PvValue value)
    {
        if (!TryCache(value))
        {
            return;
        }

        _wake.Set();
    }

    private bool TryCache(PvValue value)
    {
        long id;
        try
        {
            id = ReadObjectId(value);
        }
        catch (InvalidDataException e)
        {
            value.Dispose();
            Interlocked.Increment(ref _receiverErrors);
            LogReceiverErrorOnce(e);
            return false;
        }

        if (_cache.Add(id, value))
        {
            return true;
        }

        _logger.LogDebug("Rejected object {Id}: it arrived after its turn", id);
        value.Dispose();
        return false;
    }

    private long ReadObjectId(PvValue value)
    {
        if (!value.TryGetField(Options.ObjectIdField, out var f) || f.Type.Kind != TypeKind.Scalar)
        {
            throw new InvalidDataException($"the object has no scalar object-id field '{Options.ObjectIdField}'");
        }

        return f.GetInt64();
    }

    // The processing thread (framework.md §9.4), with the latency bound added to the reference's release rule.
    private void ProcessCache()
    {
        var quiet = Options.QuietPeriod;
        var maxWait = Options.MaxWaitSpan;
        while (true)
        {
            _wake.Reset();
            while (!_stopping && _cache.IsReleaseDue(quiet, maxWait))
            {
                HandleRun(_cache.TakeDueRun(quiet, maxWait));
            }

            if (_stopping)
            {
                break;
            }

            if (MoveFromQueues(untilFull: true) == 0)
            {
                var wait = _cache.TimeUntilRelease(quiet, maxWait) ?? LongestWait;
                _wake.Wait(Clamp(wait));
            }
        }

        // Finishing: everything still queued or cached goes to the processor, in order.
        MoveFromQueues(untilFull: false);
        while (_cache.Count > 0)
        {
            HandleRun(_cache.TakeRun());
        }
    }

    private static TimeSpan Clamp(TimeSpan wait) =>
        wait < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : wait > LongestWait ? LongestWait : wait;

    // Queue mode: one object per producer per round, until the cache is full (or, finishing, the queues are empty).
    private int MoveFromQueues(bool untilFull)
    {
        var moved = 0;
        bool any;
        do
        {
            any = false;
            foreach (var p in _producers)
            {
                if (p.Queue is { } q && q.TryTake(out var value))
                {
                    any = true;
                    moved += TryCache(value) ? 1 : 0;
                }
            }
        }
        while (any && (!untilFull || _cache.Count < _cache.Capacity));

        return moved;
    }

    private void HandleRun(List<(long Id, PvValue Value)> run)
    {
        foreach (var (_, value) in run)
        {
            using (value)
            {
                try
                {
                    _controller.Handle(value);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    Interlocked.Increment(ref _receiverErrors);
                    LogReceiverErrorOnce(e);
                }
            }
        }
    }

    private void LogReceiverErrorOnce(Exception e)
    {
        lock (_loggedReceiverErrors)
        {
            if (_loggedReceiverErrors.Add(e.GetType().FullName + e.Message))
            {
                _logger.LogError(e, "Processing error: {Message}", e.Message);
            }
        }
    }
}
