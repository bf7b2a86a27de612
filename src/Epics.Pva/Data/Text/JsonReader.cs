using System.Globalization;
using System.Text;

namespace Epics.Pva.Data.Text;

/// <summary>A parsed JSON (or JSON5-ish: unquoted keys, single quotes, NaN/Infinity) value.</summary>
internal sealed class JsonNode
{
    public JsonKind Kind { get; init; }

    /// <summary>For strings: the text; for numbers: the literal as written.</summary>
    public string Text { get; init; } = string.Empty;

    public bool Boolean { get; init; }

    public List<JsonNode> Items { get; } = [];

    public List<KeyValuePair<string, JsonNode>> Members { get; } = [];

    public int Position { get; init; }
}

internal enum JsonKind
{
    Null,
    Boolean,
    Number,
    String,
    Array,
    Object,
}

// Small recursive-descent reader: pvget -M json prints JSON5 (bare keys), which System.Text.Json cannot read.
internal sealed class JsonReader
{
    private readonly string _text;
    private int _pos;

    private JsonReader(string text) => _text = text;

    public static JsonNode Parse(string text)
    {
        var r = new JsonReader(text);
        var node = r.ReadValue();
        r.SkipBlanks();
        return r._pos == text.Length ? node : throw r.Error("unexpected text after the JSON value");
    }

    private JsonNode ReadValue()
    {
        SkipBlanks();
        if (_pos >= _text.Length)
        {
            throw Error("unexpected end of JSON");
        }

        var start = _pos;
        var c = _text[_pos];
        switch (c)
        {
            case '{':
                return ReadObject();
            case '[':
                return ReadArray();
            case '"' or '\'':
                return new JsonNode { Kind = JsonKind.String, Text = ReadString(), Position = start };
        }

        if (c is '-' or '+' or '.' || char.IsDigit(c))
        {
            return ReadNumber();
        }

        var word = ReadIdentifier();
        return word switch
        {
            "true" => new JsonNode { Kind = JsonKind.Boolean, Boolean = true, Position = start },
            "false" => new JsonNode { Kind = JsonKind.Boolean, Boolean = false, Position = start },
            "null" => new JsonNode { Kind = JsonKind.Null, Position = start },
            "NaN" or "Infinity" => new JsonNode { Kind = JsonKind.Number, Text = word, Position = start },
            _ => throw Error(word.Length == 0 ? $"unexpected '{c}'" : $"unexpected '{word}'", start),
        };
    }

    private JsonNode ReadObject()
    {
        var node = new JsonNode { Kind = JsonKind.Object, Position = _pos };
        _pos++;
        SkipBlanks();
        if (Peek() == '}')
        {
            _pos++;
            return node;
        }

        while (true)
        {
            SkipBlanks();
            var key = Peek() is '"' or '\'' ? ReadString() : ReadIdentifier();
            if (key.Length == 0)
            {
                throw Error("expected a key");
            }

            SkipBlanks();
            Expect(':');
            node.Members.Add(new(key, ReadValue()));
            SkipBlanks();
            if (Peek() == ',')
            {
                _pos++;
                continue;
            }

            Expect('}');
            return node;
        }
    }

    private JsonNode ReadArray()
    {
        var node = new JsonNode { Kind = JsonKind.Array, Position = _pos };
        _pos++;
        SkipBlanks();
        if (Peek() == ']')
        {
            _pos++;
            return node;
        }

        while (true)
        {
            node.Items.Add(ReadValue());
            SkipBlanks();
            if (Peek() == ',')
            {
                _pos++;
                continue;
            }

            Expect(']');
            return node;
        }
    }

    private string ReadString()
    {
        var quote = _text[_pos++];
        var sb = new StringBuilder();
        while (_pos < _text.Length)
        {
            var c = _text[_pos++];
            if (c == quote)
            {
                return sb.ToString();
            }

            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }

            if (_pos >= _text.Length)
            {
                break;
            }

            var e = _text[_pos++];
            switch (e)
            {
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'u' when _pos + 4 <= _text.Length &&
                              int.TryParse(_text.AsSpan(_pos, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var u):
                    sb.Append((char)u);
                    _pos += 4;
                    break;
                default: sb.Append(e); break;
            }
        }

        throw Error("unterminated string");
    }

    private JsonNode ReadNumber()
    {
        var start = _pos;
        while (_pos < _text.Length && (char.IsAsciiLetterOrDigit(_text[_pos]) || _text[_pos] is '-' or '+' or '.'))
        {
            _pos++;
        }

        var text = _text[start.._pos];
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _) || text is "-Infinity" or "+Infinity" ||
               text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? new JsonNode { Kind = JsonKind.Number, Text = text, Position = start }
            : throw Error($"'{text}' is not a number", start);
    }

    private string ReadIdentifier()
    {
        var start = _pos;
        while (_pos < _text.Length && (char.IsLetterOrDigit(_text[_pos]) || _text[_pos] is '_' or '$'))
        {
            _pos++;
        }

        return _text[start.._pos];
    }

    private void Expect(char c)
    {
        SkipBlanks();
        if (Peek() != c)
        {
            throw Error(_pos < _text.Length ? $"expected '{c}' but found '{_text[_pos]}'" : $"expected '{c}' but the text ended");
        }

        _pos++;
    }

    private char Peek() => _pos < _text.Length ? _text[_pos] : '\0';

    private void SkipBlanks()
    {
        while (_pos < _text.Length && char.IsWhiteSpace(_text[_pos]))
        {
            _pos++;
        }
    }

    private FormatException Error(string message, int? at = null) =>
        new($"invalid JSON at position {at ?? _pos}: {message}");
}
