using Prometheus;

namespace Pvstream.Metrics;

/// <summary>
/// The <c>pvstream_*</c> metrics, labelled by stage and id, set from samples. Counters follow the statistics they
/// mirror; when those go back (a reset through the control channel) the series is restarted, which Prometheus reads
/// as a counter reset.
/// </summary>
internal sealed class StageMetrics(MetricFactory factory)
{
    private static readonly string[] Labels = ["stage", "id"];

    private readonly Gauge _up = factory.CreateGauge("pvstream_up", "1 while the stage's statistics can be read, 0 when it does not answer", Labels);
    private readonly Counter _received = factory.CreateCounter("pvstream_received_total", "Objects received from the input channel(s)", Labels);
    private readonly Counter _processed = factory.CreateCounter("pvstream_processed_total", "Objects processed (for a simulated detector: frames published)", Labels);
    private readonly Counter _published = factory.CreateCounter("pvstream_published_total", "Objects published on the output channel", Labels);
    private readonly Counter _missed = factory.CreateCounter("pvstream_missed_total", "Objects missed (gaps in the object ids)", Labels);
    private readonly Counter _rejected = factory.CreateCounter("pvstream_rejected_total", "Objects rejected by a full queue", Labels);
    private readonly Counter _overruns = factory.CreateCounter("pvstream_overruns_total", "Monitor overruns (updates the server coalesced)", Labels);
    private readonly Counter _errors = factory.CreateCounter("pvstream_errors_total", "Processing errors", Labels);
    private readonly Gauge _queued = factory.CreateGauge("pvstream_queue_fill", "Objects waiting in the stage's queues", Labels);
    private readonly Gauge _rate = factory.CreateGauge("pvstream_processed_rate", "Objects processed per second (run average, as in the status channel)", Labels);
    private readonly Gauge _missedRate = factory.CreateGauge("pvstream_missed_rate", "Objects missed per second (run average)", Labels);
    private readonly Gauge _bytesRate = factory.CreateGauge("pvstream_bytes_rate", "Bytes per second of frame data", Labels);

    public void Update(IEnumerable<StageSample> samples)
    {
        foreach (var s in samples)
        {
            string[] labels = [s.Stage, s.Id];
            _up.WithLabels(labels).Set(s.Up ? 1 : 0);
            Follow(_received, labels, s.Received);
            Follow(_processed, labels, s.Processed);
            Follow(_published, labels, s.Published);
            Follow(_missed, labels, s.Missed);
            Follow(_rejected, labels, s.Rejected);
            Follow(_overruns, labels, s.Overruns);
            Follow(_errors, labels, s.Errors);
            Set(_queued, labels, s.Queued);
            Set(_rate, labels, s.ProcessedRate);
            Set(_missedRate, labels, s.MissedRate);
            Set(_bytesRate, labels, s.BytesRate);
        }
    }

    private static void Follow(Counter counter, string[] labels, long? value)
    {
        if (value is not { } v)
        {
            return;
        }

        if (counter.WithLabels(labels).Value > v)
        {
            counter.RemoveLabelled(labels);
        }

        counter.WithLabels(labels).IncTo(v);
    }

    private static void Set(Gauge gauge, string[] labels, double? value)
    {
        if (value is { } v)
        {
            gauge.WithLabels(labels).Set(v);
        }
    }
}
