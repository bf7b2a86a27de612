using System.Globalization;
using Pvstream.Cli;

namespace Pvstream.Streaming;

/// <summary>
/// The consumer ids to run (framework.md §1.1): <c>--consumer-id-list</c> as <c>1,3,5</c>, <c>[1,3,5]</c> or
/// <c>range(first,last+1[,step])</c> with Python's range semantics; without it, <c>--n-consumers</c> ids counting up
/// from <c>--consumer-id</c>.
/// </summary>
internal static class ConsumerIdList
{
    public static IReadOnlyList<int> Resolve(string? list, int firstId, int count, string option = "--consumer-id-list")
    {
        if (list is null)
        {
            return Enumerable.Range(firstId, Math.Max(count, 1)).ToList();
        }

        var text = list.Trim();
        var ids = text.StartsWith("range(", StringComparison.Ordinal) && text.EndsWith(')')
            ? PythonRange(Numbers(text["range(".Length..^1], list, option), option)
            : Numbers(text.StartsWith('[') && text.EndsWith(']') ? text[1..^1] : text, list, option);
        return ids.Count > 0 ? ids : throw Bad(list, "it names no id", option);
    }

    private static List<int> PythonRange(List<int> args, string option)
    {
        var (start, stop, step) = args.Count switch
        {
            1 => (0, args[0], 1),
            2 => (args[0], args[1], 1),
            3 when args[2] != 0 => (args[0], args[1], args[2]),
            _ => throw new CliException($"Error: {option}: range() takes 1 to 3 numbers and a step other than 0", ExitCodes.BadInput),
        };
        var ids = new List<int>();
        for (var i = start; step > 0 ? i < stop : i > stop; i += step)
        {
            ids.Add(i);
        }

        return ids;
    }

    private static List<int> Numbers(string text, string list, string option) =>
        text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(n => int.TryParse(n, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var id) ? id : throw Bad(list, $"'{n}' is not an integer", option))
            .ToList();

    private static CliException Bad(string list, string why, string option) =>
        new($"Error: {option} {list}: {why} (use 1,3,5 or [1,3,5] or range(1,4))", ExitCodes.BadInput);
}
