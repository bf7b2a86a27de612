using System.CommandLine;
using Epics.Pva;
using Epics.Pva.Data;
using Pvstream.Cli;

namespace Pvstream.Commands;

/// <summary>
/// <c>pvstream put</c>: write a PV like pvput and print <c>Old : ...</c> / <c>New : ...</c>. Values follow pvput:
/// <c>3</c>, <c>field=value</c> pairs, arrays <c>[1,2,3]</c> or several words, JSON <c>{"command":"stop"}</c>.
/// </summary>
internal static class PutCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "PV name" };
        var values = new Argument<string[]>("value")
        {
            Description = "value | field=value... | [a,b,c] | a b c | JSON object",
            Arity = ArgumentArity.OneOrMore,
        };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Only put; print nothing (like pvxput)" };
        var command = new Command("put", "Write a PV (like pvput) and print the old and new values") { name, values, quiet };
        var options = new ClientCommandOptions(command);
        CliRunner.SetAction(command, async (parse, ct) =>
        {
            var pv = parse.GetRequiredValue(name);
            var arguments = parse.GetRequiredValue(values);
            var request = RequestText.Validate(options.GetRequest(parse));
            var timeout = options.GetTimeout(parse);
            var text = options.GetText(parse);
            using var logging = options.Logging.CreateFactory(parse);
            await using var client = ClientCommandOptions.CreateClient(logging);
            if (parse.GetValue(quiet))
            {
                await ChannelCalls.WithTimeoutAsync(client, pv, timeout, c => client.PutAsync(pv, v => PvValueParser.Apply(v, arguments), request, c), ct);
                return ExitCodes.Success;
            }

            // pvput reads first: the old value is printed and supplies enum choices for a choice name.
            using var old = await ChannelCalls.WithTimeoutAsync(client, pv, timeout, c => client.GetAsync(pv, request, c), ct);
            try
            {
                await ChannelCalls.WithTimeoutAsync(
                    client, pv, timeout, c => client.PutAsync(pv, v => PvValueParser.Apply(v, arguments, old), request, c), ct);
            }
            catch (PvaRemoteException)
            {
                Console.Out.Write("Old : " + text.Format(null, old, GetCommand.Shown(old)));
                throw;
            }

            using var now = await ChannelCalls.WithTimeoutAsync(client, pv, timeout, c => client.GetAsync(pv, request, c), ct);
            Console.Out.Write("Old : " + text.Format(null, old, GetCommand.Shown(old)));
            Console.Out.Write("New : " + text.Format(null, now, GetCommand.Shown(now)));
            return ExitCodes.Success;
        });
        return command;
    }
}
