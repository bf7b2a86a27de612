using System.CommandLine;

namespace Pvstream.Cli;

/// <summary>
/// Unknown subcommands (<c>pvstream nosuch</c>, <c>pvstream bench --help</c>): named, with the closest real command
/// suggested, instead of System.CommandLine's "Required command was not provided" or the root help with exit 0.
/// </summary>
internal static class CommandNames
{
    /// <summary>
    /// The usage error for the first word of <paramref name="args"/> that should name a subcommand and does not, or
    /// null. Options before it (<c>--help</c>, <c>--version</c>) take no value, so every word is either an option or a
    /// command name until a command without subcommands is reached.
    /// </summary>
    public static string? FindUnknown(Command root, IReadOnlyList<string> args)
    {
        var current = root;
        var path = root.Name;
        foreach (var token in args)
        {
            if (current.Subcommands.Count == 0 || token == "--")
            {
                return null;
            }

            if (token.StartsWith('-'))
            {
                continue;
            }

            var next = current.Subcommands.FirstOrDefault(c => c.Name == token || c.Aliases.Contains(token));
            if (next is null)
            {
                var names = current.Subcommands.Where(c => !c.Hidden).Select(c => c.Name).ToList();
                return $"'{token}' is not a {path} command; did you mean '{Closest(token, names)}'? (commands: {string.Join(", ", names)})";
            }

            current = next;
            path += " " + next.Name;
        }

        return null;
    }

    /// <summary>The candidate with the fewest edits from <paramref name="word"/> (the first of equals).</summary>
    public static string Closest(string word, IEnumerable<string> candidates) =>
        candidates.MinBy(c => EditDistance(word, c)) ?? string.Empty;

    /// <summary>Levenshtein distance: insertions, deletions and substitutions of one character each cost 1.</summary>
    public static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitute = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitute, Math.Min(previous[j], current[j - 1]) + 1);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
