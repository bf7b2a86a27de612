using System.Text;

namespace Epics.Pva.Data;

// The pvDataCPP createRequest text syntax (pva-protocol §8.2), parsed by recursive descent so errors carry positions.
internal sealed class PvRequestParser
{
    private static readonly string[] Sections = ["record", "field", "putField", "getField"];

    private readonly string _original;
    private readonly string _text;
    private readonly int[] _origin;
    private int _pos;

    private PvRequestParser(string text)
    {
        _original = text;
        var sb = new StringBuilder(text.Length);
        var origin = new List<int>(text.Length + 1);
        for (var i = 0; i < text.Length; i++)
        {
            // Blanks are removed before parsing, as pvDataCPP does.
            if (!char.IsWhiteSpace(text[i]))
            {
                sb.Append(text[i]);
                origin.Add(i);
            }
        }

        origin.Add(text.Length);
        _text = sb.ToString();
        _origin = [.. origin];
    }

    public static PvRequestNode Parse(string text)
    {
        var p = new PvRequestParser(text);
        var root = new PvRequestNode(string.Empty);
        if (p._text.Length == 0)
        {
            return root;
        }

        if (p.StartsWithSection())
        {
            while (p._pos < p._text.Length)
            {
                p.ParseSection(root);
            }
        }
        else
        {
            p.ParseFieldList(root.Child("field"));
            if (p._pos < p._text.Length)
            {
                throw p.Error($"unexpected '{p._text[p._pos]}'");
            }
        }

        return root;
    }

    private bool StartsWithSection() => Sections.Any(s =>
        _text.StartsWith(s, StringComparison.Ordinal) && _text.Length > s.Length && _text[s.Length] is '(' or '[');

    private void ParseSection(PvRequestNode root)
    {
        var start = _pos;
        var name = ReadName();
        if (name == "record")
        {
            Expect('[');
            ParseOptions(root.Child("record"));
            Expect(']');
            return;
        }

        if (name is "field" or "putField" or "getField")
        {
            var node = root.Child(name);
            Expect('(');
            if (Peek() != ')')
            {
                ParseFieldList(node);
            }

            Expect(')');
            return;
        }

        throw Error(name.Length == 0 ? $"unexpected '{Peek()}'" : $"unknown section '{name}' (expected record[...], field(...), putField(...) or getField(...))", start);
    }

    private void ParseFieldList(PvRequestNode parent)
    {
        while (true)
        {
            ParseEntry(parent);
            if (Peek() != ',')
            {
                return;
            }

            _pos++;
        }
    }

    private void ParseEntry(PvRequestNode parent)
    {
        var name = ReadName();
        if (name.Length == 0)
        {
            throw Error(_pos < _text.Length ? $"expected a field name but found '{_text[_pos]}'" : "expected a field name but the text ended");
        }

        var node = parent.Child(name);
        if (Peek() == '[')
        {
            _pos++;
            ParseOptions(node);
            Expect(']');
        }

        switch (Peek())
        {
            case '.':
                _pos++;
                ParseEntry(node);
                break;
            case '{':
                _pos++;
                ParseFieldList(node);
                Expect('}');
                break;
        }
    }

    private void ParseOptions(PvRequestNode node)
    {
        while (true)
        {
            var keyStart = _pos;
            while (_pos < _text.Length && _text[_pos] is not ('=' or ',' or ']'))
            {
                _pos++;
            }

            var key = _text[keyStart.._pos];
            if (key.Length == 0 || Peek() != '=')
            {
                throw Error(key.Length == 0 ? "expected an option name" : $"option '{key}' needs '=value'", keyStart);
            }

            _pos++;
            var valueStart = _pos;
            while (_pos < _text.Length && _text[_pos] is not (',' or ']'))
            {
                _pos++;
            }

            node.SetOption(key, _text[valueStart.._pos]);
            if (Peek() != ',')
            {
                return;
            }

            _pos++;
        }
    }

    private string ReadName()
    {
        var start = _pos;
        while (_pos < _text.Length && _text[_pos] is not (',' or '.' or '[' or ']' or '{' or '}' or '(' or ')' or '='))
        {
            _pos++;
        }

        return _text[start.._pos];
    }

    private void Expect(char c)
    {
        if (Peek() != c)
        {
            throw Error(_pos < _text.Length ? $"expected '{c}' but found '{_text[_pos]}'" : $"expected '{c}' but the text ended");
        }

        _pos++;
    }

    private char Peek() => _pos < _text.Length ? _text[_pos] : '\0';

    private FormatException Error(string message, int? at = null) =>
        new($"invalid pvRequest '{_original}': {message} at position {_origin[Math.Min(at ?? _pos, _origin.Length - 1)]}");
}
