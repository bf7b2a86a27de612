using System.CommandLine;
using Epics.Pva.Data;
using Pvstream.Cli;

namespace Pvstream.Commands;

/// <summary><c>pvstream get</c>: read PVs once and print them like pvget (or pvxget with <c>-M delta</c>).</summary>
internal static class GetCommand
{
    public static Command Create()
    {
        var names = new Argument<string[]>("name") { Description = "PV names", Arity = ArgumentArity.OneOrMore };
        var command = new Command("get", "Read PVs and print their values (like pvget)") { names };
        var options = new ClientCommandOptions(command);
        CliRunner.SetAction(command, async (parse, ct) =>
        {
            var request = RequestText.Validate(options.GetRequest(parse));
            var timeout = options.GetTimeout(parse);
            var text = options.GetText(parse);
            using var logging = options.Logging.CreateFactory(parse);
            await using var client = ClientCommandOptions.CreateClient(logging);
            return await PerChannel.RunAsync(
                parse.GetRequiredValue(names),
                name => ChannelCalls.WithTimeoutAsync(client, name, timeout, c => client.GetAsync(name, request, c), ct),
                (name, value) =>
                {
                    using (value)
                    {
                        // Only what the server sent (a pvRequest can select fields).
                        Console.Out.Write(text.Format(name, value, Shown(value)));
                    }
                });
        });
        return command;
    }

    internal static BitSet? Shown(PvValue value) => value.Changed.IsEmpty ? null : value.Changed;
}
