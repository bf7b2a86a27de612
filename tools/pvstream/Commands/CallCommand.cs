using System.CommandLine;
using System.Text.Json;
using Epics.Pva.Data;
using Pvstream.Cli;

namespace Pvstream.Commands;

/// <summary>
/// <c>pvstream call</c>: an RPC like pvcall. Arguments <c>name=value</c> become string fields of an NTURI query (as pvcall
/// and pvxcall send them); a single JSON object gives typed fields instead.
/// </summary>
internal static class CallCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "PV name" };
        var arguments = new Argument<string[]>("argument")
        {
            Description = "name=value pairs, or one JSON object, e.g. '{\"lhs\":1.5,\"rhs\":2}'",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var command = new Command("call", "Call an RPC PV (like pvcall) and print the result") { name, arguments };
        var options = new ClientCommandOptions(command, request: false);
        CliRunner.SetAction(command, async (parse, ct) =>
        {
            var pv = parse.GetRequiredValue(name);
            using var argument = BuildArgument(pv, parse.GetValue(arguments) ?? []);
            var timeout = options.GetTimeout(parse);
            var text = options.GetText(parse);
            using var logging = options.Logging.CreateFactory(parse);
            await using var client = ClientCommandOptions.CreateClient(logging);
            var result = await ChannelCalls.WithTimeoutAsync(client, pv, timeout, c => client.RpcAsync(pv, argument, c), ct);
            if (result is not null)
            {
                using (result)
                {
                    Console.Out.Write(text.Format(null, result));
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The NTURI <c>{scheme "pva", authority, path = name, query {...}}</c> that pvcall sends.</summary>
    internal static PvValue BuildArgument(string path, IReadOnlyList<string> arguments)
    {
        var query = PvType.Builder();
        var values = new List<(string Name, object Value)>();
        if (arguments.Count == 1 && arguments[0].TrimStart().StartsWith('{'))
        {
            foreach (var (key, value) in ParseJson(arguments[0]))
            {
                query.Add(key, value switch
                {
                    string => ScalarType.String,
                    bool => ScalarType.Boolean,
                    long => ScalarType.Long,
                    _ => ScalarType.Double,
                });
                values.Add((key, value));
            }
        }
        else
        {
            foreach (var arg in arguments)
            {
                var eq = arg.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    throw new CliException($"Error: RPC argument '{arg}' is not name=value", ExitCodes.BadInput);
                }

                query.Add(arg[..eq], ScalarType.String);
                values.Add((arg[..eq], arg[(eq + 1)..]));
            }
        }

        var type = PvType.Builder("epics:nt/NTURI:1.0")
            .Add("scheme", ScalarType.String)
            .Add("authority", ScalarType.String)
            .Add("path", ScalarType.String)
            .Add("query", query.Build())
            .Build();
        var uri = new PvValue(type);
        uri["scheme"].Set("pva");
        uri["path"].Set(path);
        foreach (var (key, value) in values)
        {
            uri["query." + key].SetObject(value);
        }

        uri.MarkAllChanged();
        return uri;
    }

    private static List<(string Key, object Value)> ParseJson(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var result = new List<(string, object)>();
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                object value = p.Value.ValueKind switch
                {
                    JsonValueKind.String => p.Value.GetString()!,
                    JsonValueKind.True or JsonValueKind.False => p.Value.GetBoolean(),
                    JsonValueKind.Number when p.Value.TryGetInt64(out var l) => l,
                    JsonValueKind.Number => p.Value.GetDouble(),
                    _ => throw new CliException($"Error: RPC argument '{p.Name}' must be a string, number or boolean", ExitCodes.BadInput),
                };
                result.Add((p.Name, value));
            }

            return result;
        }
        catch (JsonException e)
        {
            throw new CliException($"Error: malformed JSON argument: {e.Message}", ExitCodes.BadInput);
        }
    }
}
