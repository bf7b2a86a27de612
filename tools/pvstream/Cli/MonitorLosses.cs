using System.Globalization;
using System.Text;
using Epics.Pva.Client;

namespace Pvstream.Cli;

/// <summary>
/// What a monitor did not deliver, told to the user as pvmonitor/pvxmonitor users expect to hear of overruns: updates
/// squashed in our client queue (<see cref="MonitorStatistics.Squashed"/>), updates whose overrun set says the server
/// or our queue lost intermediate values, and for a stream with a <c>uniqueId</c> (NTNDArray) the ids that never
/// arrived. One line at the first loss, then at most one a second, and the rest at the end.
/// </summary>
internal sealed class MonitorLosses(string name, bool trackUniqueIds)
{
    private static readonly TimeSpan ReportPeriod = TimeSpan.FromSeconds(1);

    private long _squashedSeen;
    private long _squashed;
    private long _overruns;
    private long _missedIds;
    private long? _lastId;
    private DateTime _lastReport = DateTime.MinValue;

    /// <summary>
    /// Whether uniqueId gaps mean lost frames for this pvRequest: not when a server-side plugin (<c>_[...]</c>: the
    /// data distributor, decimation, deadband) skips updates on purpose.
    /// </summary>
    public static bool GapsMeanLoss(string? request) => request is null || !request.Contains("_[", StringComparison.Ordinal);

    /// <summary>The channel (re)connected: a new server may start counting uniqueIds again.</summary>
    public void Restart() => _lastId = null;

    /// <summary>Counts <paramref name="update"/>; the line to print now, or null.</summary>
    public string? Observe(PvMonitorUpdate update, MonitorStatistics statistics, DateTime now)
    {
        _squashed += statistics.Squashed - _squashedSeen;
        _squashedSeen = statistics.Squashed;
        if (!update.Overrun.IsEmpty)
        {
            _overruns++;
        }

        if (trackUniqueIds && update.Value.TryGetField("uniqueId", out var field) && field.Type.IsScalar)
        {
            var id = field.GetInt64();
            if (_lastId is { } last && id > last + 1)
            {
                _missedIds += id - last - 1;
            }

            _lastId = id;
        }

        return now - _lastReport >= ReportPeriod ? Take(now) : null;
    }

    /// <summary>What was lost since the last line (null: nothing), e.g. at exit.</summary>
    public string? Take(DateTime now)
    {
        if (_squashed == 0 && _overruns == 0 && _missedIds == 0)
        {
            return null;
        }

        var parts = new List<string>();
        if (_missedIds > 0)
        {
            parts.Add(Count(_missedIds, "uniqueId") + " skipped");
        }

        if (_squashed > 0)
        {
            parts.Add(Count(_squashed, "update") + " squashed in the client queue");
        }

        if (_overruns > 0)
        {
            parts.Add(Count(_overruns, "update") + " with lost intermediate values");
        }

        (_squashed, _overruns, _missedIds, _lastReport) = (0, 0, 0, now);
        return new StringBuilder(name).Append(" *** overrun: ").AppendJoin(", ", parts).Append('\n').ToString();
    }

    private static string Count(long n, string what) =>
        n.ToString(CultureInfo.InvariantCulture) + " " + what + (n == 1 ? string.Empty : "s");
}
