using System.Globalization;

namespace Epics.Pva.Data;

/// <summary>
/// Builds a pvRequest in code, producing the same structure as the text parser:
/// <c>PvRequest.Builder().Field("value").Field("alarm").Record("queueSize", 4).Build()</c>.
/// </summary>
public sealed class PvRequestBuilder
{
    private readonly PvRequestNode _root = new(string.Empty);

    internal PvRequestBuilder()
    {
    }

    /// <summary>Selects a field by dotted path (<c>alarm.severity</c>). No selected field means the whole structure.</summary>
    public PvRequestBuilder Field(string path)
    {
        _root.Child("field").Path(path);
        return this;
    }

    /// <summary>Selects several fields.</summary>
    public PvRequestBuilder Fields(params IEnumerable<string> paths)
    {
        foreach (var p in paths)
        {
            Field(p);
        }

        return this;
    }

    /// <summary>Adds <c>field()</c> (the whole structure) explicitly, as <c>pvget -r 'field()'</c> sends.</summary>
    public PvRequestBuilder AllFields()
    {
        _root.Child("field");
        return this;
    }

    /// <summary>Sets a per-field option (<c>value[array=1:3]</c> is <c>FieldOption("value", "array", "1:3")</c>).</summary>
    public PvRequestBuilder FieldOption(string path, string key, object value)
    {
        _root.Child("field").Path(path).SetOption(key, Text(value));
        return this;
    }

    /// <summary>Sets a record option (<c>queueSize</c>, <c>pipeline</c>, <c>process</c>, ...); values are sent as strings.</summary>
    public PvRequestBuilder Record(string key, object value)
    {
        _root.Child("record").SetOption(key, Text(value));
        return this;
    }

    /// <summary>Selects a field of the put structure (PUT_GET).</summary>
    public PvRequestBuilder PutField(string path)
    {
        _root.Child("putField").Path(path);
        return this;
    }

    /// <summary>Selects a field of the get structure (PUT_GET).</summary>
    public PvRequestBuilder GetField(string path)
    {
        _root.Child("getField").Path(path);
        return this;
    }

    /// <summary>Asks for the data distributor: <c>field(_[distributor=...])</c>.</summary>
    public PvRequestBuilder Distributor(PvDistributorOptions options) =>
        FieldOption("_", options.PluginName, options.ToOptionValue());

    /// <summary>The pvRequest value (all IDs empty, all option values strings).</summary>
    public PvValue Build() => _root.ToValue();

    private static string Text(object value) => value switch
    {
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}
