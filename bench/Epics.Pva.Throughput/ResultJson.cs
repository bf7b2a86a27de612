using System.Text.Json;
using System.Text.Json.Serialization;

namespace Epics.Pva.Throughput;

/// <summary>Results travel from the child processes to the parent as one JSON line.</summary>
[JsonSerializable(typeof(RoleResult))]
internal sealed partial class ResultJson : JsonSerializerContext
{
    public static string Write(RoleResult result) => JsonSerializer.Serialize(result, Default.RoleResult);

    public static RoleResult Read(string json) => JsonSerializer.Deserialize(json, Default.RoleResult) ?? throw new FormatException("empty result");
}
