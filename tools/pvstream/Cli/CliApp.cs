using System.CommandLine;

namespace Pvstream.Cli;

/// <summary>Parses and runs the root command; usage errors are one line on stderr and exit code 2 (no help dump).</summary>
internal static class CliApp
{
    public static async Task<int> RunAsync(RootCommand root, string[] args)
    {
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            await Console.Error.WriteLineAsync($"Error: {CliRunner.OneLine(parse.Errors[0].Message)} (see --help)");
            return ExitCodes.BadInput;
        }

        return await parse.InvokeAsync();
    }
}
