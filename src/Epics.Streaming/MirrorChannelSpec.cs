using System.Globalization;

namespace Epics.Streaming;

/// <summary>
/// One <c>--channel-map</c> entry: <c>(mirror,source[,provider[,queueSize[,nSourceMonitors,request]]])</c>
/// (framework.md §10.1).
/// </summary>
/// <param name="MirrorName">Name served by the mirror.</param>
/// <param name="SourceName">Channel read.</param>
/// <param name="Provider">pva (default) or ca.</param>
/// <param name="QueueSize">Server queue size asked of the source (0: none).</param>
/// <param name="MonitorCount">Independent source monitors (≥ 1).</param>
/// <param name="Request">Field request descriptor inside <c>field(...)</c>, e.g. a distributor option.</param>
public sealed record MirrorChannelSpec(
    string MirrorName,
    string SourceName,
    MirrorProvider Provider = MirrorProvider.Pva,
    int QueueSize = 0,
    int MonitorCount = 1,
    string Request = "")
{
    /// <summary>The pvRequest sent to the source: <c>[record[queueSize=Q]]field(descriptor)</c>.</summary>
    public string PvRequest => (QueueSize > 0 ? string.Create(CultureInfo.InvariantCulture, $"record[queueSize={QueueSize}]") : string.Empty) +
        $"field({Request})";

    /// <summary>
    /// Parses a channel map the way the reference does: split on <c>)</c>, drop <c>,(</c> and <c>(</c>, split on
    /// commas, skip empty pieces. Whitespace is kept; descriptors cannot contain commas.
    /// </summary>
    /// <exception cref="StreamingConfigurationException">An entry is invalid (message as the reference prints it).</exception>
    public static IReadOnlyList<MirrorChannelSpec> ParseMap(string? channelMap)
    {
        if (string.IsNullOrEmpty(channelMap))
        {
            throw new StreamingConfigurationException("Channel map is not specified.");
        }

        var result = new List<MirrorChannelSpec>();
        foreach (var piece in channelMap.Split(')'))
        {
            var entry = piece.Replace(",(", string.Empty, StringComparison.Ordinal).Replace("(", string.Empty, StringComparison.Ordinal);
            var fields = entry.Split(',').Where(f => f.Length > 0).ToArray();
            if (fields.Length == 0)
            {
                continue;
            }

            if (fields.Length < 2 || fields.Length > 6)
            {
                throw Invalid($"Invalid channel map entry: {entry}", entry);
            }

            var provider = MirrorProvider.Pva;
            if (fields.Length > 2)
            {
                provider = fields[2].ToLowerInvariant() switch
                {
                    "pva" => MirrorProvider.Pva,
                    "ca" => MirrorProvider.Ca,
                    _ => throw Invalid($"Invalid source provider type specified for entry: {entry}", entry),
                };
            }

            var queueSize = 0;
            if (fields.Length > 3 && (!int.TryParse(fields[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out queueSize) || queueSize < 0))
            {
                throw Invalid($"Invalid source queue size specified for entry: {entry}", entry);
            }

            var monitors = 1;
            if (fields.Length > 4 && (!int.TryParse(fields[4], NumberStyles.Integer, CultureInfo.InvariantCulture, out monitors) || monitors < 1))
            {
                throw Invalid($"Invalid number of source monitors specified for entry: {entry}", entry);
            }

            result.Add(new MirrorChannelSpec(fields[0], fields[1], provider, queueSize, monitors, fields.Length > 5 ? fields[5] : string.Empty));
        }

        if (result.Count == 0)
        {
            throw new StreamingConfigurationException("Channel map is not specified.");
        }

        var duplicate = result.GroupBy(e => e.MirrorName, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        return duplicate is null ? result : throw new StreamingConfigurationException($"Mirror channel {duplicate.Key} already exists.");
    }

    // The reference's message; when the entry has white space (a common slip: "(a, b, pva)") the message says that
    // the spaces are what is wrong, since they are kept as part of the fields.
    private static StreamingConfigurationException Invalid(string message, string entry) =>
        new(entry.Any(char.IsWhiteSpace)
            ? $"{message} (the entry contains spaces: fields are separated by commas only, e.g. ({string.Join(',', entry.Split(',').Select(f => f.Trim()))}))"
            : message);
}
