using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Epics.Streaming.Processors;

/// <summary>
/// Reads processor settings from a configuration (constructor or <c>configure</c>) the forgiving way the reference
/// does: numbers and booleans may also arrive as strings (<c>"25"</c>, <c>"true"</c>); an absent key keeps the current value.
/// </summary>
internal static class ProcessorSettings
{
    public static string? GetString(JsonNode? configuration, string key) =>
        Get(configuration, key) is JsonValue v
            ? v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString()
            : null;

    public static bool? GetBool(JsonNode? configuration, string key) => Get(configuration, key) switch
    {
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.ToJsonString() != "0",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>().Trim().ToUpperInvariant() switch
        {
            "TRUE" or "1" or "YES" or "ON" => true,
            "FALSE" or "0" or "NO" or "OFF" or "" => false,
            var s => throw new StreamingConfigurationException($"{key}: '{s}' is not a boolean"),
        },
        null => null,
        var other => throw new StreamingConfigurationException($"{key}: {other.ToJsonString()} is not a boolean"),
    };

    public static long? GetInt(JsonNode? configuration, string key)
    {
        var text = GetString(configuration, key);
        if (text is null)
        {
            return null;
        }

        return long.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new StreamingConfigurationException($"{key}: '{text}' is not an integer");
    }

    private static JsonNode? Get(JsonNode? configuration, string key) =>
        configuration is JsonObject o && o.TryGetPropertyValue(key, out var node) ? node : null;
}
