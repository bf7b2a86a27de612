using System.CommandLine;
using Epics.Ca;
using Pvstream.Cli;

namespace Pvstream.Ca;

/// <summary>
/// <c>pvstream ca get</c>: read Channel Access PVs once and print them as caget does (plain, <c>-t</c>, <c>-a</c>,
/// <c>-d DBR_...</c>).
/// </summary>
internal static class CaGetCommand
{
    public static Command Create()
    {
        var names = new Argument<string[]>("name") { Description = "PV names", Arity = ArgumentArity.OneOrMore };
        var terse = new Option<bool>("--terse", "-t") { Description = "Value only, without the name" };
        var wide = new Option<bool>("--all", "-a") { Description = "Wide: name, timestamp, value, status and severity" };
        var dbr = new Option<DbrType?>("--dbr", "-d")
        {
            HelpName = "DBR_TYPE",
            Description = "Request this DBR type (DBR_TIME_DOUBLE, CTRL_LONG, 34, ...) and print every field",
            CustomParser = r =>
            {
                var text = r.Tokens.Count == 0 ? string.Empty : r.Tokens[0].Value;
                if (DbrTypes.TryParse(text, out var type))
                {
                    return type;
                }

                r.AddError($"-d: unknown DBR type '{text}'");
                return null;
            },
        };
        var command = new Command("get", "Read CA PVs and print their values (like caget)") { names, terse, wide, dbr };
        var options = new CaOptions(command);
        var format = new CaFormatOptions(command);
        command.Validators.Add(r =>
        {
            if (new Option[] { terse, wide, dbr }.Count(o => r.GetResult(o) is not null) > 1)
            {
                r.AddError("use only one of -t, -a, -d");
            }
        });
        CliRunner.SetAction(command, async (parse, ct) =>
        {
            var timeout = options.GetTimeout(parse);
            var text = format.GetText(parse);
            var elements = parse.GetValue(format.Elements);
            var requested = parse.GetValue(dbr);
            using var logging = options.CreateLoggerFactory(parse);
            await using var client = CaOptions.CreateClient(timeout, logging);
            return await PerChannel.RunAsync(
                parse.GetRequiredValue(names),
                name => CaOptions.CallAsync(client, name, timeout, async (info, c) =>
                {
                    var type = requested ?? (parse.GetValue(wide)
                        ? format.ValueType(parse, info.NativeType).Time()
                        : format.ValueType(parse, info.NativeType));
                    // Like caget (without -c): the native element count (past NORD an IOC pads with zeros), never more.
                    var count = Math.Min(elements ?? info.NativeCount, info.NativeCount);
                    return (Info: info, Type: type, Value: await client.GetAsync(name, type, count, c));
                }, ct),
                (name, result) =>
                {
                    using var value = result.Value;
                    var showCount = elements is not null;
                    Console.Out.Write(
                        requested is not null ? text.Detailed(name, result.Info, result.Type, value)
                        : parse.GetValue(wide) ? text.Wide(name, value, showCount)
                        : parse.GetValue(terse) ? text.Terse(value, showCount)
                        : text.Plain(name, value, showCount));
                });
        });
        return command;
    }
}
