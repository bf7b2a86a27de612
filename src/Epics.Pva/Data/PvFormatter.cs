namespace Epics.Pva.Data;

// Placeholder while the text forms are written (issue 2 item 6); replaced by the full pvget-style formatter.
internal static class PvFormatter
{
    public static string Format(PvValue value) => value.Type.DisplayId;

    public static string FormatField(PvField field) => field.Type.TypeName;
}
