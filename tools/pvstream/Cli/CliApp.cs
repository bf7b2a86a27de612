using System.CommandLine;
using System.Text.RegularExpressions;

namespace Pvstream.Cli;

/// <summary>Parses and runs the root command; usage errors are one line on stderr and exit code 2 (no help dump).</summary>
internal static partial class CliApp
{
    // Ctrl-C/SIGTERM cancel the command's token; a command that has not finished this long after is ended with 130/143.
    // Longer than the stages' own bounded stops (a consumer waits up to 5 s for a hung processor), so that they can
    // still print their final report and say what did not stop.
    private static readonly InvocationConfiguration Invocation = new() { ProcessTerminationTimeout = TimeSpan.FromSeconds(10) };

    public static async Task<int> RunAsync(RootCommand root, string[] args)
    {
        if (CommandNames.FindUnknown(root, args) is { } unknownCommand)
        {
            return await UsageErrorAsync(unknownCommand);
        }

        if (!OptionAbbreviations.TryExpand(root, args, out var expanded, out var ambiguity))
        {
            return await UsageErrorAsync(ambiguity);
        }

        var parse = root.Parse(expanded);
        if (parse.Errors.Count > 0)
        {
            return await UsageErrorAsync(Plain(parse.Errors[0].Message));
        }

        if (UnknownOptions.Find(parse) is { } unknownOption)
        {
            return await UsageErrorAsync(unknownOption);
        }

        return await parse.InvokeAsync(Invocation);
    }

    // System.CommandLine names .NET types ("as expected type 'System.Nullable`1[System.Int32]'"); users typed a number.
    internal static string Plain(string message)
    {
        var m = ConversionError().Match(message);
        if (!m.Success)
        {
            return message;
        }

        var type = m.Groups["type"].Value;
        var kind = type.Contains("Int", StringComparison.Ordinal) ? "a whole number"
            : type.Contains("Double", StringComparison.Ordinal) || type.Contains("Single", StringComparison.Ordinal) ? "a number"
            : "a valid value";
        return $"{m.Groups["option"].Value}: '{m.Groups["value"].Value}' is not {kind}";
    }

    [GeneratedRegex(@"^Cannot parse argument '(?<value>.*)' for option '(?<option>[^']+)' as expected type '(?<type>[^']+)'")]
    private static partial Regex ConversionError();

    private static async Task<int> UsageErrorAsync(string message)
    {
        await Console.Error.WriteLineAsync($"Error: {CliRunner.OneLine(message)} (see --help)");
        return ExitCodes.BadInput;
    }
}
