using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Pvstream.Workflows;

/// <summary>
/// Reads a workflow file (YAML; docs/workflow.md, schema docs/workflow.schema.json). Every problem is collected with
/// its line, so one <c>--check</c> names them all: unknown keys, wrong types, a missing name or type.
/// </summary>
internal static partial class WorkflowFile
{
    private static readonly string[] TopKeys = ["name", "description", "runtime", "external", "stages"];
    private static readonly string[] StageKeys = ["name", "description", "type", "count", "options", "restart", "max-restarts", "host"];

    public static Workflow Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WorkflowException([$"{path}: cannot read the workflow file: {e.Message}"]);
        }

        return Parse(text, path);
    }

    public static Workflow Parse(string text, string path)
    {
        var problems = new List<string>();
        void Problem(YamlNode? node, string message) =>
            problems.Add(node is null ? $"{path}: {message}" : string.Create(CultureInfo.InvariantCulture, $"{path}:{node.Start.Line}: {message}"));

        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new WorkflowException([string.Create(CultureInfo.InvariantCulture, $"{path}:{e.Start.Line}: not valid YAML: {e.InnerException?.Message ?? e.Message}")]);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new WorkflowException([$"{path}: a workflow file is a mapping with 'name' and 'stages'"]);
        }

        UnknownKeys(root, TopKeys, "workflow", Problem);
        var name = Scalar(root, "name", Problem) ?? Path.GetFileNameWithoutExtension(path);
        double? runtime = null;
        if (Scalar(root, "runtime", Problem) is { } rt)
        {
            runtime = double.TryParse(rt, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
                ? seconds : Fail<double?>(Child(root, "runtime"), "runtime must be a number of seconds greater than 0", Problem);
        }

        var external = new List<string>();
        if (Child(root, "external") is { } ext)
        {
            if (ext is YamlSequenceNode list)
            {
                external.AddRange(list.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? ""));
            }
            else
            {
                Problem(ext, "external must be a list of channel names");
            }
        }

        var stages = new List<Stage>();
        if (Child(root, "stages") is not YamlSequenceNode stageList || stageList.Children.Count == 0)
        {
            Problem(Child(root, "stages") ?? root, "stages must be a non-empty list of stages");
        }
        else
        {
            foreach (var node in stageList.Children)
            {
                if (node is YamlMappingNode stage)
                {
                    if (ReadStage(stage, Problem) is { } s)
                    {
                        stages.Add(s);
                    }
                }
                else
                {
                    Problem(node, "a stage is a mapping with name, type and options");
                }
            }
        }

        foreach (var duplicate in stages.GroupBy(s => s.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{path}:{duplicate.Last().Line}: stage name '{duplicate.Key}' is used more than once"));
        }

        return problems.Count > 0 ? throw new WorkflowException(problems) : new Workflow(name, path, runtime, external, stages);
    }

    private static Stage? ReadStage(YamlMappingNode node, Action<YamlNode?, string> problem)
    {
        UnknownKeys(node, StageKeys, "stage", problem);
        var name = Scalar(node, "name", problem);
        if (string.IsNullOrWhiteSpace(name))
        {
            problem(node, "a stage needs a name");
            return null;
        }

        var typeText = Scalar(node, "type", problem);
        StageType? type = typeText switch
        {
            "ad-sim-server" => StageType.AdSimServer,
            "mirror-server" => StageType.MirrorServer,
            "consumer" => StageType.Consumer,
            "collector" => StageType.Collector,
            _ => null,
        };
        if (type is null)
        {
            problem(Child(node, "type") ?? node, $"stage '{name}': type must be ad-sim-server, mirror-server, consumer or collector{(typeText is null ? "" : $", not '{typeText}'")}");
            return null;
        }

        var count = 1;
        if (Scalar(node, "count", problem) is { } countText)
        {
            if (!int.TryParse(countText, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count < 1)
            {
                problem(Child(node, "count"), $"stage '{name}': count must be a whole number of at least 1");
            }
            else if (type != StageType.Consumer && count != 1)
            {
                problem(Child(node, "count"), $"stage '{name}': only consumer stages have a count");
            }
        }

        var restart = RestartPolicy.No;
        if (Scalar(node, "restart", problem) is { } restartText)
        {
            restart = restartText switch
            {
                "no" or "never" => RestartPolicy.No,
                "on-failure" => RestartPolicy.OnFailure,
                _ => Fail<RestartPolicy>(Child(node, "restart"), $"stage '{name}': restart must be 'no' or 'on-failure', not '{restartText}'", problem),
            };
        }

        var maxRestarts = 3;
        if (Scalar(node, "max-restarts", problem) is { } maxText
            && (!int.TryParse(maxText, NumberStyles.None, CultureInfo.InvariantCulture, out maxRestarts) || maxRestarts < 0))
        {
            problem(Child(node, "max-restarts"), $"stage '{name}': max-restarts must be a whole number");
        }

        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Child(node, "options") is { } optionsNode)
        {
            if (optionsNode is not YamlMappingNode map)
            {
                problem(optionsNode, $"stage '{name}': options must be a mapping of option names to values");
            }
            else
            {
                foreach (var (key, value) in map.Children)
                {
                    var option = ((key as YamlScalarNode)?.Value ?? "").TrimStart('-');
                    if (OptionText(value) is { } v)
                    {
                        options[option] = Expand(v, value, name, problem);
                    }
                }
            }
        }

        return new Stage(name, type.Value, count, options, restart, maxRestarts, (int)node.Start.Line) { Host = Scalar(node, "host", problem) };
    }

    // ${NAME} in a value is the environment variable NAME (a key file, a data folder); an unset one is an error.
    private static string Expand(string text, YamlNode node, string stage, Action<YamlNode?, string> problem) =>
        EnvironmentReference().Replace(text, m =>
        {
            var value = Environment.GetEnvironmentVariable(m.Groups[1].Value);
            if (value is null)
            {
                problem(node, $"stage '{stage}': environment variable {m.Groups[1].Value} is not set");
            }

            return value ?? "";
        });

    [System.Text.RegularExpressions.GeneratedRegex(@"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")]
    private static partial System.Text.RegularExpressions.Regex EnvironmentReference();

    // A scalar as written; a flag as "" (true) or absent (false); a list joined by commas; a mapping as JSON (processor-args).
    private static string? OptionText(YamlNode value) => value switch
    {
        YamlScalarNode { Value: "true" or "True" or "yes" } s when s.Style == YamlDotNet.Core.ScalarStyle.Plain => "",
        YamlScalarNode { Value: "false" or "False" or "no" } s when s.Style == YamlDotNet.Core.ScalarStyle.Plain => null,
        YamlScalarNode s => s.Value ?? "",
        YamlSequenceNode list => string.Join(',', list.Children.Select(c => (c as YamlScalarNode)?.Value ?? "")),
        YamlMappingNode map => Json(map)!.ToJsonString(),
        _ => null,
    };

    private static JsonNode? Json(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(kv => KeyValuePair.Create(((YamlScalarNode)kv.Key).Value ?? "", Json(kv.Value)))),
        YamlSequenceNode list => new JsonArray([.. list.Children.Select(Json)]),
        YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } s when s.Value is "true" or "false" => JsonValue.Create(s.Value == "true"),
        YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } s when s.Value is "null" or "~" or "" => null,
        YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } s when long.TryParse(s.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) => JsonValue.Create(l),
        YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } s when double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => JsonValue.Create(d),
        YamlScalarNode s => JsonValue.Create(s.Value),
        _ => null,
    };

    private static void UnknownKeys(YamlMappingNode node, string[] known, string what, Action<YamlNode?, string> problem)
    {
        foreach (var key in node.Children.Keys.OfType<YamlScalarNode>().Where(k => !known.Contains(k.Value)))
        {
            var near = Cli.CommandNames.Closest(key.Value ?? "", known);
            problem(key, $"unknown {what} key '{key.Value}' (did you mean '{near}'? {what} keys: {string.Join(", ", known)})");
        }
    }

    private static YamlNode? Child(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    private static string? Scalar(YamlMappingNode node, string key, Action<YamlNode?, string> problem)
    {
        var child = Child(node, key);
        if (child is null)
        {
            return null;
        }

        if (child is YamlScalarNode s)
        {
            return s.Value;
        }

        problem(child, $"'{key}' must be a single value");
        return null;
    }

    private static T Fail<T>(YamlNode? node, string message, Action<YamlNode?, string> problem)
    {
        problem(node, message);
        return default!;
    }
}
