using System.CommandLine;
using System.Reflection;

namespace Pvstream.Cli;

/// <summary>
/// <c>-v/--version</c> on the subcommands that replace pvapy tools (their argparse parsers take it), printing the
/// tool's version and exiting 0 before anything else is checked.
/// </summary>
internal static class VersionFlag
{
    /// <summary>"pvstream 0.1.0" (the informational version without the source revision suffix).</summary>
    public static string Text { get; } = "pvstream " +
        (typeof(VersionFlag).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown");

    public static Option<bool> Create() => new("--version", "-v") { Description = "Print the version and exit" };

    /// <summary>True (after printing the version) when <paramref name="option"/> was given.</summary>
    public static bool Handle(ParseResult parse, Option<bool> option)
    {
        if (!parse.GetValue(option))
        {
            return false;
        }

        Console.WriteLine(Text);
        return true;
    }
}
