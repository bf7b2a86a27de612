using System.CommandLine;
using System.Globalization;
using Epics.Ca;
using Epics.Ca.Client;
using Pvstream.Cli;

namespace Pvstream.Ca;

/// <summary>
/// <c>pvstream ca put</c>: write a Channel Access PV and print <c>Old : name value</c> / <c>New : name value</c> as
/// caput does. <c>-c</c> waits for the server to confirm (WRITE_NOTIFY), so a rejected write is an error; without it
/// a plain WRITE is sent, as caput does, and a rejection only shows as a logged warning.
/// </summary>
internal static class CaPutCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "PV name" };
        var values = new Argument<string[]>("value")
        {
            Description = "value (several words are joined with spaces) | with -a: count then that many elements",
            Arity = ArgumentArity.OneOrMore,
        };
        var callback = new Option<bool>("--callback", "-c") { Description = "Wait for the write to complete (put callback)" };
        var array = new Option<bool>("--array", "-a") { Description = "Array: the first value is the element count" };
        var terse = new Option<bool>("--terse", "-t") { Description = "Print only the new value" };
        var asString = new Option<bool>("--string", "-s") { Description = "Send the value as DBR_STRING for the server to convert" };
        var command = new Command("put", "Write a CA PV and print the old and new values (like caput)")
        {
            name, values, callback, array, terse, asString,
        };
        var options = new CaOptions(command);
        CliRunner.SetAction(command, async (parse, ct) =>
        {
            var pv = parse.GetRequiredValue(name);
            var words = parse.GetRequiredValue(values);
            var isArray = parse.GetValue(array);
            if (isArray)
            {
                words = ArrayElements(words);
            }

            var timeout = options.GetTimeout(parse);
            var text = new CaText(CNumberFormat.Default);
            using var logging = options.CreateLoggerFactory(parse);
            await using var client = CaOptions.CreateClient(timeout, logging);
            var info = await CaOptions.ConnectAsync(client, pv, ct);
            if (isArray && words.Length > info.NativeCount)
            {
                // libca refuses this before sending anything (ECA_BADCOUNT).
                throw new CliException(
                    $"Error: {pv}: Invalid element count requested ({words.Length} elements, the channel has {info.NativeCount})", ExitCodes.BadInput);
            }

            var choices = info.NativeType == DbrType.Enum
                ? await CaOptions.CallAsync(client, pv, timeout, (_, c) => ChoicesAsync(client, pv, c), ct)
                : null;
            var value = CaPutValue.Parse(info, words, isArray, parse.GetValue(asString), choices);

            // Enums read back as their state names, and arrays with their native element count, like caput.
            var readType = info.NativeType == DbrType.Enum ? DbrType.String : info.NativeType;
            using var old = await CaOptions.CallAsync(client, pv, timeout, (_, c) => client.GetAsync(pv, readType, info.NativeCount, c), ct);
            var oldLine = "Old : " + text.Plain(pv, old, false);
            try
            {
                await CaOptions.CallAsync(client, pv, timeout, async (_, c) =>
                {
                    await client.PutAsync(pv, value, parse.GetValue(callback), c);
                    return true;
                }, ct);
            }
            catch (CliException) when (!parse.GetValue(terse))
            {
                Console.Out.Write(oldLine);
                throw;
            }

            using var now = await CaOptions.CallAsync(client, pv, timeout, (_, c) => client.GetAsync(pv, readType, info.NativeCount, c), ct);
            Console.Out.Write(parse.GetValue(terse) ? text.Terse(now, false) : oldLine + "New : " + text.Plain(pv, now, false));
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>caput -a: the first word is the element count and exactly that many elements must follow.</summary>
    private static string[] ArrayElements(string[] words)
    {
        if (!int.TryParse(words[0], NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count < 1)
        {
            throw new CliException($"Error: -a: '{words[0]}' is not an element count", ExitCodes.BadInput);
        }

        if (words.Length - 1 != count)
        {
            throw new CliException($"Error: -a: count {count} but {words.Length - 1} value(s) given", ExitCodes.BadInput);
        }

        return words[1..];
    }

    private static async Task<IReadOnlyList<string>> ChoicesAsync(CaClient client, string name, CancellationToken cancellationToken)
    {
        using var ctrl = await client.GetAsync(name, DbrType.CtrlEnum, 1, cancellationToken);
        return ctrl["value.choices"].GetArray().Strings.ToArray();
    }
}
