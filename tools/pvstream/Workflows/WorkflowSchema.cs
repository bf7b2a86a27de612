using System.Text.Json;
using System.Text.Json.Nodes;

namespace Pvstream.Workflows;

/// <summary>
/// The JSON Schema of workflow files (committed as docs/workflow.schema.json, for editors that validate and complete
/// YAML), made from the subcommands themselves: each stage type's options are exactly its command's long options, with
/// their descriptions and value types, so the schema cannot drift from the command line.
/// </summary>
internal static class WorkflowSchema
{
    public static string Generate()
    {
        var stageTypes = Enum.GetValues<StageType>();
        var conditions = new JsonArray();
        foreach (var type in stageTypes)
        {
            var properties = new JsonObject();
            foreach (var option in WorkflowCheck.Options(type).Where(o => !StagePlan.RunnerOptions.Contains(o.Name[2..])).OrderBy(o => o.Name, StringComparer.Ordinal))
            {
                var property = ValueSchema(option.ValueType);
                property["description"] = option.Description ?? "";
                properties[option.Name[2..]] = property;
            }

            conditions.Add(new JsonObject
            {
                ["if"] = new JsonObject { ["properties"] = new JsonObject { ["type"] = new JsonObject { ["const"] = Stage.CommandName(type) } } },
                ["then"] = new JsonObject
                {
                    ["properties"] = new JsonObject
                    {
                        ["options"] = new JsonObject { ["type"] = "object", ["additionalProperties"] = false, ["properties"] = properties },
                    },
                },
            });
        }

        var schema = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["title"] = "pvstream workflow",
            ["description"] = "A pipeline for `pvstream run`: stages (each a pvstream streaming command with its options by their long names) and the channels from outside. See docs/workflow.md.",
            ["type"] = "object",
            ["additionalProperties"] = false,
            ["required"] = new JsonArray("stages"),
            ["properties"] = new JsonObject
            {
                ["name"] = new JsonObject { ["type"] = "string", ["description"] = "The workflow's name: the run folder and default status channels use it" },
                ["description"] = new JsonObject { ["type"] = "string" },
                ["runtime"] = new JsonObject { ["type"] = "number", ["exclusiveMinimum"] = 0, ["description"] = "Seconds to run before stopping (default: until the sources finish or Ctrl-C)" },
                ["external"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" }, ["description"] = "Channels that come from outside the workflow (an IOC, a detector)" },
                ["stages"] = new JsonObject
                {
                    ["type"] = "array",
                    ["minItems"] = 1,
                    ["items"] = new JsonObject
                    {
                        ["type"] = "object",
                        ["additionalProperties"] = false,
                        ["required"] = new JsonArray("name", "type"),
                        ["properties"] = new JsonObject
                        {
                            ["name"] = new JsonObject { ["type"] = "string", ["description"] = "Unique stage name (log files, default status channels)" },
                            ["description"] = new JsonObject { ["type"] = "string" },
                            ["type"] = new JsonObject { ["enum"] = new JsonArray([.. stageTypes.Select(t => (JsonNode)Stage.CommandName(t))]) },
                            ["count"] = new JsonObject { ["type"] = "integer", ["minimum"] = 1, ["description"] = "Consumer stages: how many consumer processes (ids from consumer-id up)" },
                            ["restart"] = new JsonObject { ["enum"] = new JsonArray("no", "on-failure"), ["description"] = "Start a process again when it fails (default no: the run stops)" },
                            ["max-restarts"] = new JsonObject { ["type"] = "integer", ["minimum"] = 0, ["description"] = "Restarts per process at most (default 3)" },
                            ["host"] = new JsonObject { ["type"] = "string", ["description"] = "Placement for run --emit: the SLURM node or Kubernetes node (kubernetes.io/hostname) the stage runs on" },
                            ["options"] = new JsonObject { ["type"] = "object", ["description"] = "The command's options by their long names, without dashes" },
                        },
                        ["allOf"] = conditions,
                    },
                },
            },
        };
        return schema.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
    }

    private static JsonObject ValueSchema(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t == typeof(bool) ? new JsonObject { ["type"] = "boolean" }
            : t == typeof(int) || t == typeof(long) ? new JsonObject { ["type"] = "integer" }
            : t == typeof(double) || t == typeof(float) ? new JsonObject { ["type"] = "number" }
            : t.IsArray ? new JsonObject { ["type"] = new JsonArray("string", "array") }
            : new JsonObject { ["type"] = new JsonArray("string", "number", "object") }; // strings; JSON args may be written as a mapping
    }
}
