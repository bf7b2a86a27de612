using System.Globalization;
using System.Text.RegularExpressions;

namespace Pvstream.Bench;

/// <summary>
/// Reads the numbers a bench needs from what the programs print: a consumer's final report (the Python-pprint dict of
/// framework.md §3.6, printed alike by <c>pvstream consumer</c> and <c>pvapy-hpc-consumer</c>) and the source's
/// <c>Published frames: N @ F fps</c> line. Reading the printed text, not a private channel, measures both
/// implementations the same way.
/// </summary>
internal static partial class ConsumerReportReader
{
    /// <summary>The totals of the last report in <paramref name="output"/> that has processor statistics, or null.</summary>
    public static ConsumerTotals? ReadFinal(string output)
    {
        var start = LastReportStart(output);
        if (start < 0)
        {
            return null;
        }

        Dictionary<string, object?> report;
        try
        {
            report = new PythonLiteral(output, start).ReadDict();
        }
        catch (FormatException)
        {
            return null;
        }

        var receiver = Section(report, "receiverStats");
        var processor = Section(report, "processorStats");
        if (processor is null)
        {
            return null;
        }

        long metadataReceived = 0, metadataRejected = 0, metadataOverruns = 0;
        if (Section(report, "metadataStats") is { } metadata)
        {
            foreach (var channel in metadata.Values.OfType<Dictionary<string, object?>>())
            {
                var stats = Section(channel, "receiverStats");
                metadataReceived += Count(stats, "nReceived");
                metadataRejected += Count(stats, "nRejected");
                metadataOverruns += Count(stats, "nOverruns");
            }
        }

        return new ConsumerTotals(
            Received: Count(receiver, "nReceived"),
            Processed: Count(processor, "nProcessed"),
            Missed: Count(processor, "nMissed"),
            Rejected: Count(receiver, "nRejected") + metadataRejected,
            Overruns: Count(receiver, "nOverruns") + metadataOverruns,
            MetadataReceived: metadataReceived);
    }

    /// <summary>The source's count and rate of published frames from its summary line, or null.</summary>
    public static (long Frames, double Rate)? ReadPublished(string output)
    {
        var matches = PublishedLine().Matches(output);
        if (matches.Count == 0)
        {
            return null;
        }

        var m = matches[^1];
        return (long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    // The opening brace of the last dict that holds 'processorStats' (a report may span many lines).
    private static int LastReportStart(string output)
    {
        var key = output.LastIndexOf("'processorStats'", StringComparison.Ordinal);
        if (key < 0)
        {
            return -1;
        }

        var depth = 0;
        for (var i = key; i >= 0; i--)
        {
            switch (output[i])
            {
                case '}':
                    depth++;
                    break;
                case '{' when depth == 0:
                    return i;
                case '{':
                    depth--;
                    break;
            }
        }

        return -1;
    }

    private static Dictionary<string, object?>? Section(Dictionary<string, object?>? dict, string key) =>
        dict is not null && dict.TryGetValue(key, out var v) ? v as Dictionary<string, object?> : null;

    private static long Count(Dictionary<string, object?>? dict, string key) =>
        dict is not null && dict.TryGetValue(key, out var v) && v is string s
            && long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;

    [GeneratedRegex(@"Published frames:\s*(\d+) @ ([0-9.eE+-]+) fps")]
    private static partial Regex PublishedLine();

    /// <summary>A reader of Python literal dicts as pprint writes them; scalars stay as their text.</summary>
    private ref struct PythonLiteral(string text, int position)
    {
        private readonly string _text = text;
        private int _at = position;

        public Dictionary<string, object?> ReadDict()
        {
            Expect('{');
            var dict = new Dictionary<string, object?>(StringComparer.Ordinal);
            SkipSpace();
            if (Peek() == '}')
            {
                _at++;
                return dict;
            }

            while (true)
            {
                SkipSpace();
                var key = ReadString();
                SkipSpace();
                Expect(':');
                SkipSpace();
                dict[key] = ReadValue();
                SkipSpace();
                var c = Next();
                if (c == '}')
                {
                    return dict;
                }

                if (c != ',')
                {
                    throw new FormatException($"',' or '}}' expected at {_at - 1}");
                }
            }
        }

        private object? ReadValue()
        {
            var c = Peek();
            if (c == '{')
            {
                return ReadDict();
            }

            if (c is '\'' or '"')
            {
                return ReadString();
            }

            if (c is '[' or '(')
            {
                return ReadSequence(c == '[' ? ']' : ')');
            }

            // A number, a number with a unit (12.3457Hz), True/False/None: the text up to the next separator.
            var start = _at;
            while (_at < _text.Length && _text[_at] is not (',' or '}' or ']' or ')') && !char.IsWhiteSpace(_text[_at]))
            {
                _at++;
            }

            return _text[start.._at];
        }

        private List<object?> ReadSequence(char close)
        {
            _at++;
            var items = new List<object?>();
            while (true)
            {
                SkipSpace();
                if (Peek() == close)
                {
                    _at++;
                    return items;
                }

                items.Add(ReadValue());
                SkipSpace();
                if (Peek() == ',')
                {
                    _at++;
                }
            }
        }

        private string ReadString()
        {
            var quote = Next();
            if (quote is not ('\'' or '"'))
            {
                throw new FormatException($"a quoted key expected at {_at - 1}");
            }

            var value = new System.Text.StringBuilder();
            while (true)
            {
                var c = Next();
                if (c == '\\')
                {
                    value.Append(Next());
                }
                else if (c == quote)
                {
                    return value.ToString();
                }
                else
                {
                    value.Append(c);
                }
            }
        }

        private void Expect(char c)
        {
            if (Next() != c)
            {
                throw new FormatException($"'{c}' expected at {_at - 1}");
            }
        }

        private char Next() => _at < _text.Length ? _text[_at++] : throw new FormatException("the report ends early");

        private readonly char Peek() => _at < _text.Length ? _text[_at] : throw new FormatException("the report ends early");

        private void SkipSpace()
        {
            while (_at < _text.Length && char.IsWhiteSpace(_text[_at]))
            {
                _at++;
            }
        }
    }
}
