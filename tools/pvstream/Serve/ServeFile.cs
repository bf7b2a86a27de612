using System.Globalization;
using System.Text.Json;
using Pvstream.Cli;

namespace Pvstream.Serve;

/// <summary>
/// Reads <c>serve --file</c>: JSON (<c>{"pvs":[{"name":..,"type":..,"value":..,"rate":..}]}</c> or just the array), or
/// text with one <c>NAME=TYPE[:INIT][@RATE]</c> per line (blank lines and <c>#</c> comments ignored).
/// </summary>
internal static class ServeFile
{
    public static IReadOnlyList<PvSpec> Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"Error: cannot read {path}: {e.Message}", ExitCodes.BadInput);
        }

        var trimmed = text.TrimStart();
        return trimmed.StartsWith('{') || trimmed.StartsWith('[') ? ParseJson(path, text) : ParseText(text);
    }

    public static IReadOnlyList<PvSpec> ParseText(string text) =>
    [
        .. text.Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(PvSpec.Parse),
    ];

    public static IReadOnlyList<PvSpec> ParseJson(string path, string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            var list = doc.RootElement.ValueKind == JsonValueKind.Array ? doc.RootElement : doc.RootElement.GetProperty("pvs");
            var specs = new List<PvSpec>();
            foreach (var e in list.EnumerateArray())
            {
                var name = e.GetProperty("name").GetString() ?? throw new JsonException("'name' must be a string");
                var type = e.GetProperty("type").GetString() ?? throw new JsonException("'type' must be a string");
                var init = e.TryGetProperty("value", out var v) ? InitText(v) : null;
                double? rate = e.TryGetProperty("rate", out var r) ? r.GetDouble() : null;
                var spec = PvSpec.Parse($"{name}={type}{(init is null ? string.Empty : ":" + init)}");
                specs.Add(rate is null ? spec : PvSpec.Parse(spec + "@" + rate.Value.ToString(CultureInfo.InvariantCulture)));
            }

            return specs;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new CliException($"Error: {path}: {e.Message}", ExitCodes.BadInput);
        }
    }

    // "value" may be a number, string, boolean or array; the spec parsers take its text (arrays as JSON).
    private static string InitText(JsonElement v) => v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText();
}
