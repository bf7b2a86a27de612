namespace Pvstream.Streaming;

/// <summary>
/// Channel names as the reference collector resolves them (framework.md §1.2): <c>_</c> alone means
/// <c>pvapy:collector:&lt;id&gt;:&lt;kind&gt;</c>, every <c>*</c> becomes the collector id, and in the input template every
/// <c>*</c> becomes a producer id; ids are formatted with <c>--id-format-spec</c>.
/// </summary>
internal static class CollectorChannelNames
{
    public static string? Resolve(string? name, string kind, int collectorId, string? formatSpec) => name switch
    {
        null => null,
        "_" => $"pvapy:collector:{collectorId}:{kind}",
        _ => name.Replace("*", ConsumerChannelNames.FormatId(collectorId, formatSpec), StringComparison.Ordinal),
    };

    public static string Producer(string inputTemplate, int producerId, string? formatSpec) =>
        inputTemplate.Replace("*", ConsumerChannelNames.FormatId(producerId, formatSpec), StringComparison.Ordinal);
}
