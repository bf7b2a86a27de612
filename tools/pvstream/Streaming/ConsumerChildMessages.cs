using System.Text.Json.Nodes;
using Epics.Streaming.Consumer;
using Epics.Streaming.Processing;

namespace Pvstream.Streaming;

/// <summary>
/// What a consumer child process (one of <c>--n-consumers</c>) tells its parent, one JSON object per stdout line:
/// <c>{"report": text}</c> for a periodic report, <c>{"final": text, "stats": {...}}</c> at the end, with the numbers the
/// parent combines. Whole lines keep two children's multi-line reports from interleaving.
/// </summary>
internal static class ConsumerChildMessages
{
    public static string Report(string text) => new JsonObject { ["report"] = text }.ToJsonString();

    public static string Final(string text, ConsumerStatistics s) => new JsonObject
    {
        ["final"] = text,
        ["stats"] = new JsonObject
        {
            ["consumerId"] = s.ConsumerId,
            ["received"] = s.Received,
            ["overruns"] = s.Overruns,
            ["receiverErrors"] = s.ReceiverErrors,
            ["published"] = s.Published,
            ["publisherErrors"] = s.PublisherErrors,
            ["queue"] = s.Queue is { } q ? new JsonArray(q.Received, q.Rejected, q.Delivered, q.Queued) : null,
            ["processor"] = new JsonArray(
                s.Processor.Runtime, s.Processor.StartTime, s.Processor.EndTime, s.Processor.ReceivingTime, s.Processor.FirstObjectTime,
                s.Processor.LastObjectTime, s.Processor.FirstObjectId, s.Processor.LastObjectId, s.Processor.Processed, s.Processor.ProcessedRate,
                s.Processor.Errors, s.Processor.ErrorRate, s.Processor.Missed, s.Processor.MissedRate),
        },
    }.ToJsonString();

    /// <summary>Reads one line; false when it is not a message (the parent passes such lines through).</summary>
    public static bool TryRead(string line, out string? report, out string? final, out ConsumerStatistics? stats)
    {
        report = final = null;
        stats = null;
        if (!line.StartsWith("{\"", StringComparison.Ordinal))
        {
            return false;
        }

        try
        {
            var message = JsonNode.Parse(line)!.AsObject();
            report = message["report"]?.GetValue<string>();
            final = message["final"]?.GetValue<string>();
            if (message["stats"] is JsonObject s)
            {
                var p = s["processor"]!.AsArray();
                var q = s["queue"]?.AsArray();
                stats = new ConsumerStatistics
                {
                    ConsumerId = s["consumerId"]!.GetValue<int>(),
                    Received = s["received"]!.GetValue<long>(),
                    Overruns = s["overruns"]!.GetValue<long>(),
                    ReceiverErrors = s["receiverErrors"]!.GetValue<long>(),
                    Published = s["published"]!.GetValue<long>(),
                    PublisherErrors = s["publisherErrors"]!.GetValue<long>(),
                    Queue = q is null ? null : new QueueStatistics(q[0]!.GetValue<long>(), q[1]!.GetValue<long>(), q[2]!.GetValue<long>(), q[3]!.GetValue<long>()),
                    Processor = new ProcessorStatistics
                    {
                        Runtime = p[0]!.GetValue<double>(),
                        StartTime = p[1]!.GetValue<double>(),
                        EndTime = p[2]!.GetValue<double>(),
                        ReceivingTime = p[3]!.GetValue<double>(),
                        FirstObjectTime = p[4]!.GetValue<double>(),
                        LastObjectTime = p[5]!.GetValue<double>(),
                        FirstObjectId = p[6]!.GetValue<long>(),
                        LastObjectId = p[7]!.GetValue<long>(),
                        Processed = p[8]!.GetValue<long>(),
                        ProcessedRate = p[9]!.GetValue<double>(),
                        Errors = p[10]!.GetValue<long>(),
                        ErrorRate = p[11]!.GetValue<double>(),
                        Missed = p[12]!.GetValue<long>(),
                        MissedRate = p[13]!.GetValue<double>(),
                    },
                };
            }

            return report is not null || final is not null;
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException or NullReferenceException or ArgumentOutOfRangeException)
        {
            return false;
        }
    }
}
