using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Pvstream.Cli;

/// <summary>
/// A misspelt option (<c>get --tiemout 3 x</c>) is refused, not taken as a PV name or value. System.CommandLine hands
/// any word it does not know to the command's arguments; afterwards, an argument word that looks like an option (a
/// dash, not a number, no space, before any <c>--</c>) is reported with the closest real option. A PV name that
/// starts with a dash can still be given after <c>--</c>, and negative numbers stay values (<c>put x -5</c>).
/// </summary>
internal static class UnknownOptions
{
    /// <summary>The usage error for the first argument word that should have been an option, or null.</summary>
    public static string? Find(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        var separator = IndexOf(parse.Tokens, static t => t.Type == TokenType.DoubleDash);
        foreach (var argument in parse.CommandResult.Children.OfType<ArgumentResult>())
        {
            foreach (var token in argument.Tokens)
            {
                if (LooksLikeOption(token.Value) && (separator < 0 || IndexOf(parse.Tokens, t => ReferenceEquals(t, token)) < separator))
                {
                    var spellings = Spellings(parse.CommandResult).ToList();
                    var name = token.Value.Split('=', 2)[0];
                    return $"unknown option '{name}' for {Path(parse.CommandResult)}; did you mean '{CommandNames.Closest(name, spellings)}'? " +
                        "(write a name that starts with '-' after --)";
                }
            }
        }

        return null;
    }

    /// <summary>argparse's test for "an option, not a value": a dash and more, not a number, no space.</summary>
    public static bool LooksLikeOption(string word) =>
        word.Length > 1 && word[0] == '-' && !word.Contains(' ', StringComparison.Ordinal)
        && !double.TryParse(word, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    private static IEnumerable<string> Spellings(CommandResult result)
    {
        var own = result.Command.Options;
        var inherited = Ancestors(result).Skip(1).SelectMany(c => c.Options).Where(o => o.Recursive);
        return own.Concat(inherited).Where(o => !o.Hidden).SelectMany(o => o.Aliases.Prepend(o.Name)).Where(s => s.StartsWith('-')).Distinct();
    }

    private static string Path(CommandResult result) =>
        string.Join(' ', Ancestors(result).Select(c => c.Name).Reverse());

    private static IEnumerable<Command> Ancestors(CommandResult result)
    {
        for (SymbolResult? r = result; r is not null; r = r.Parent)
        {
            if (r is CommandResult c)
            {
                yield return c.Command;
            }
        }
    }

    private static int IndexOf(IReadOnlyList<Token> tokens, Func<Token, bool> match)
    {
        for (var i = 0; i < tokens.Count; i++)
        {
            if (match(tokens[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
