namespace Epics.Pva.Data;

/// <summary>
/// pvRequest structures (pva-protocol §8): parse the pvDataCPP text syntax, build one in code, and (for servers)
/// interpret one against a value type.
/// </summary>
public static class PvRequest
{
    /// <summary>The empty request (an empty structure: everything, default options).</summary>
    public static PvValue Empty => new(PvType.EmptyStructure);

    /// <summary>
    /// Parses <c>field(a,b.c)</c>, <c>a{b,c}</c>, <c>record[queueSize=100,pipeline=true]</c>, <c>putField(...)</c>,
    /// <c>getField(...)</c>, per-field options <c>value[array=1:3]</c> and the plugin form <c>_[distributor=...]</c>.
    /// Text without a section keyword is a field list (<c>value,alarm</c> = <c>field(value,alarm)</c>); blanks are
    /// ignored. Throws <see cref="FormatException"/> with the position of a syntax error.
    /// </summary>
    public static PvValue Parse(string text) => PvRequestParser.Parse(text).ToValue();

    /// <summary>Starts building a request in code.</summary>
    public static PvRequestBuilder Builder() => new();

    /// <summary>
    /// What a request asks of a value of <paramref name="valueType"/>: the field mask, the record options and the
    /// per-field options. Throws <see cref="ArgumentException"/> when it selects nothing that exists ("pvRequest must
    /// select at least one field") or when an option has the wrong form.
    /// </summary>
    public static PvRequestSelection Interpret(PvValue? request, PvType valueType) => PvRequestSelection.Create(request, valueType);
}
