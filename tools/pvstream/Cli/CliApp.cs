using System.CommandLine;

namespace Pvstream.Cli;

/// <summary>Parses and runs the root command; usage errors are one line on stderr and exit code 2 (no help dump).</summary>
internal static class CliApp
{
    public static async Task<int> RunAsync(RootCommand root, string[] args)
    {
        if (!OptionAbbreviations.TryExpand(root, args, out var expanded, out var ambiguity))
        {
            return await UsageErrorAsync(ambiguity);
        }

        var parse = root.Parse(expanded);
        if (parse.Errors.Count > 0)
        {
            return await UsageErrorAsync(parse.Errors[0].Message);
        }

        return await parse.InvokeAsync();
    }

    private static async Task<int> UsageErrorAsync(string message)
    {
        await Console.Error.WriteLineAsync($"Error: {CliRunner.OneLine(message)} (see --help)");
        return ExitCodes.BadInput;
    }
}
