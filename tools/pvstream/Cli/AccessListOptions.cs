using System.CommandLine;
using Epics.Pva.Server;

namespace Pvstream.Cli;

/// <summary>
/// <c>--allow-users</c> / <c>--allow-hosts</c> for a server command: who may put into the records it serves (as the
/// consumer's and collector's options of the same names restrict their control records).
/// </summary>
internal sealed class AccessListOptions
{
    public AccessListOptions(Command command, string records)
    {
        Users = new Option<string?>("--allow-users") { Description = $"Only these users (comma-separated, as PVA's ca authentication names them) may put into {records}; default anyone" };
        Hosts = new Option<string?>("--allow-hosts") { Description = $"Only these hosts (comma-separated host names or IP addresses) may put into {records}; default any" };
        command.Options.Add(Users);
        command.Options.Add(Hosts);
    }

    public Option<string?> Users { get; }

    public Option<string?> Hosts { get; }

    public ClientAccessList Parse(ParseResult parse) => ClientAccessList.Parse(parse.GetValue(Users), parse.GetValue(Hosts));
}
