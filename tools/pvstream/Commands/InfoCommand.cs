using System.CommandLine;
using System.Text;
using Epics.Pva.Data;
using Pvstream.Cli;

namespace Pvstream.Commands;

/// <summary><c>pvstream info</c>: the server and full type of PVs, printed like pvinfo.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var names = new Argument<string[]>("name") { Description = "PV names", Arity = ArgumentArity.OneOrMore };
        var command = new Command("info", "Show the server and type of PVs (like pvinfo)") { names };
        var options = new ClientCommandOptions(command, request: false, mode: false);
        CliRunner.SetAction(command, async (parse, ct) =>
        {
            var timeout = options.GetTimeout(parse);
            using var logging = options.Logging.CreateFactory(parse);
            await using var client = ClientCommandOptions.CreateClient(logging);
            return await PerChannel.RunAsync(
                parse.GetRequiredValue(names),
                name => ChannelCalls.WithTimeoutAsync(client, name, timeout, c => client.GetTypeAsync(name, c), ct),
                (name, type) => Console.Out.Write(Format(name, client.GetChannel(name).Server?.ToString(), type)));
        });
        return command;
    }

    /// <summary>pvinfo's layout: name, <c>Server: host:port</c>, <c>Type:</c>, the type indented one level, a blank line.</summary>
    internal static string Format(string name, string? server, PvType type)
    {
        var sb = new StringBuilder();
        sb.Append(name).Append('\n');
        sb.Append("Server: ").Append(server ?? "?").Append('\n');
        sb.Append("Type:\n");
        foreach (var line in type.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            sb.Append("    ").Append(line).Append('\n');
        }

        return sb.Append('\n').ToString();
    }
}
