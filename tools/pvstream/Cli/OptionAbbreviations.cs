using System.CommandLine;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace Pvstream.Cli;

/// <summary>
/// Python argparse's prefix matching (<c>allow_abbrev</c>, on by default) for the subcommands that replace pvapy
/// tools: <c>--frame</c> means <c>--frame-rate</c>, <c>-fp</c> means <c>-fps</c>, <c>--chan=x</c> means
/// <c>--channel-name=x</c>, so command lines written for <c>pvapy-ad-sim-server</c> and friends keep working.
/// System.CommandLine has no such feature, so opted-in commands get their tokens rewritten to the full spelling before
/// parsing, using the command's own option names and aliases (nothing is listed twice).
/// </summary>
/// <remarks>
/// The rules follow argparse (checked against CPython's <c>_parse_optional</c>/<c>_get_option_tuples</c>):
/// <list type="bullet">
/// <item>An exact option name always wins, even when it is also the prefix of a longer one (<c>--notify-pv</c>).</item>
/// <item>Any token starting with <c>-</c> is matched, the double-dash and the multi-character single-dash spellings
/// alike (argparse documents <c>-bac</c> for <c>-bacon</c>); <c>-f</c> is <c>-fps</c> when nothing else starts with
/// <c>-f</c>. Only the part before the first <c>=</c> is matched; the value after it is kept as typed. (Python 3.12+
/// also splits single-dash tokens at <c>=</c>; older versions reject <c>-fp=5</c>; we take the newer, wider rule.)</item>
/// <item>A prefix of two different options is an error listing them all; two spellings of one option are not.</item>
/// <item>A value is never rewritten. argparse decides which strings are options by their text alone, before it hands
/// values out, so in <c>-cn --frame</c>, <c>-cn -dc</c> or <c>-cn --foo</c> the option <c>-cn</c> gets no value and
/// argparse stops with "expected one argument"; System.CommandLine would quietly take the next token as the value
/// whatever it looks like. We report argparse's error (exit 2) instead. Numbers (<c>-mn -5</c>) and strings with a
/// space are values, as in argparse; a value that starts with a dash can still be given as <c>--channel-name=-x</c>.</item>
/// <item>Tokens matching no option (<c>--foo</c>) are left alone for System.CommandLine to report as before.</item>
/// <item>Nothing after a <c>--</c> separator is touched, nor anything before the opted-in command's own name.</item>
/// </list>
/// </remarks>
internal static class OptionAbbreviations
{
    private static readonly ConditionalWeakTable<Command, object> Enabled = [];

    /// <summary>Lets <paramref name="command"/> take argparse-style abbreviations of its options; returns it.</summary>
    public static Command Enable(Command command)
    {
        Enabled.AddOrUpdate(command, command);
        return command;
    }

    public static bool IsEnabled(Command command) => Enabled.TryGetValue(command, out _);

    /// <summary>
    /// <paramref name="args"/> with every abbreviation of an opted-in command written out in full; false and a one-line
    /// <paramref name="error"/> (argparse's wording) when a prefix matches more than one option.
    /// </summary>
    public static bool TryExpand(Command root, IReadOnlyList<string> args, out string[] expanded, [NotNullWhen(false)] out string? error)
    {
        expanded = [.. args];
        error = null;
        var path = new List<Command> { root };
        Option? awaitingValue = null;
        for (var i = 0; i < expanded.Length; i++)
        {
            var token = expanded[i];
            if (token == "--")
            {
                break;
            }

            var current = path[^1];
            if (awaitingValue is not null)
            {
                // argparse never hands an option-like string to an option as its value; "-cn -1" is fine.
                if (LooksLikeOption(token))
                {
                    error = $"argument {string.Join('/', Spellings(awaitingValue).Reverse())}: expected one argument";
                    return false;
                }

                awaitingValue = null;
            }
            else if (current.Subcommands.FirstOrDefault(c => c.Name == token || c.Aliases.Contains(token)) is { } sub)
            {
                path.Add(sub);
            }
            else if (IsEnabled(current))
            {
                if (!TryExpandToken(OptionsInScope(path), token, out expanded[i], out var option, out error))
                {
                    return false;
                }

                if (option?.Arity.MinimumNumberOfValues > 0 && !token.Contains('=', StringComparison.Ordinal))
                {
                    awaitingValue = option;
                }
            }
        }

        return true;
    }

    // The command's own options plus the recursive ones of its ancestors (--help), in declaration order.
    private static List<Option> OptionsInScope(List<Command> path) =>
        [.. path[^1].Options, .. path.SkipLast(1).SelectMany(c => c.Options).Where(o => o.Recursive)];

    // The full spelling of token and the option it names (null: not one of ours, left as typed).
    private static bool TryExpandToken(
        List<Option> options, string token, out string result, out Option? option, [NotNullWhen(false)] out string? error)
    {
        result = token;
        option = null;
        error = null;
        var equals = token.IndexOf('=', StringComparison.Ordinal);
        var name = equals < 0 ? token : token[..equals];
        if (name.Length < 2 || name[0] != '-' || name == "--")
        {
            return true;
        }

        option = options.FirstOrDefault(o => Spellings(o).Contains(name));
        if (option is not null)
        {
            return true;
        }

        var matches = options
            .Select(o => (Option: o, Spelling: Spellings(o).FirstOrDefault(s => s.StartsWith(name, StringComparison.Ordinal))))
            .Where(m => m.Spelling is not null)
            .ToList();
        switch (matches.Count)
        {
            case 0:
                return true;
            case 1:
                option = matches[0].Option;
                result = matches[0].Spelling + (equals < 0 ? string.Empty : token[equals..]);
                return true;
            default:
                error = $"ambiguous option: {token} could match {string.Join(", ", matches.Select(m => m.Spelling))}";
                return false;
        }
    }

    // argparse's test for "an option, not a value": a dash, more than a dash, not a number, no space.
    private static bool LooksLikeOption(string token) =>
        token.Length > 1 && token[0] == '-' && !token.Contains(' ', StringComparison.Ordinal)
        && !double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    private static IEnumerable<string> Spellings(Option option) =>
        new[] { option.Name }.Concat(option.Aliases).Where(s => s.StartsWith('-'));
}
