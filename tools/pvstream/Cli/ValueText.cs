using Epics.Pva.Data;

namespace Pvstream.Cli;

/// <summary>Prints values in the <c>-M</c> forms, using the library's formatters (the same text as pvget/pvxget).</summary>
internal sealed record ValueText(OutputMode Mode, int? ArrayLimit)
{
    /// <summary>Elements of an image shown when no <c>--array-limit</c> is given (images can be megabytes).</summary>
    public const int ImageSummaryLimit = 20;

    /// <summary>
    /// The value, prefixed the way the tools do: pvget prints <c>name + ' '</c>, pvxget <c>name + '\n'</c>; a null
    /// name prints the bare value (pvput's Old/New lines, pvcall). Only the <paramref name="show"/> fields are printed
    /// (null: all).
    /// </summary>
    public string Format(string? name, PvValue value, BitSet? show = null)
    {
        var limit = ArrayLimit ?? (value.Type.Id.StartsWith("epics:nt/NTNDArray:", StringComparison.Ordinal) ? ImageSummaryLimit : 0);
        var options = PvFormatOptions.Default with { Show = show, ArrayLimit = limit };
        var prefix = name is null ? string.Empty : name + " ";
        return Mode switch
        {
            OutputMode.Raw => prefix + PvFormatter.FormatRaw(value, options),
            OutputMode.Json => prefix + PvJson.Format(value, new PvJsonOptions { Show = show }) + "\n",
            OutputMode.Delta => (name is null ? string.Empty : name + "\n") +
                PvFormatter.FormatDelta(value, options with { IndentLevel = name is null ? 0 : 1 }),
            _ => prefix + PvFormatter.FormatNT(value, options),
        };
    }

}
