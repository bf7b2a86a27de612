using System.Globalization;

namespace Pvstream.Streaming;

/// <summary>
/// The statistics dicts the streaming commands print (framework.md §3.6, Python-pprint style, the same from pvstream
/// and from the reference's programs), read back: the last dict in a program's output that holds a given key, as
/// nested dictionaries whose scalars keep their printed text (<c>12</c>, <c>3.5000Hz</c>, <c>'name'</c> unquoted).
/// </summary>
internal static class PrintedReport
{
    /// <summary>The last dict in <paramref name="output"/> that has the key <paramref name="key"/>, or null.</summary>
    public static Dictionary<string, object?>? Last(string output, string key)
    {
        var start = LastReportStart(output, key);
        if (start < 0)
        {
            return null;
        }

        try
        {
            return new PythonLiteral(output, start).ReadDict();
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>The sub-dict <paramref name="key"/> of <paramref name="dict"/>, or null.</summary>
    public static Dictionary<string, object?>? Section(Dictionary<string, object?>? dict, string key) =>
        dict is not null && dict.TryGetValue(key, out var v) ? v as Dictionary<string, object?> : null;

    /// <summary>The whole number at <paramref name="key"/>, or 0 when it is missing or not a number.</summary>
    public static long Count(Dictionary<string, object?>? dict, string key) =>
        dict is not null && dict.TryGetValue(key, out var v) && v is string s
            && long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;

    // The opening brace of the last dict that holds the key (a report may span many lines).
    private static int LastReportStart(string output, string name)
    {
        var key = output.LastIndexOf("'" + name + "'", StringComparison.Ordinal);
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
