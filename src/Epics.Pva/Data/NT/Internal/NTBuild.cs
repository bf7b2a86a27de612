namespace Epics.Pva.Data.NT.Internal;

internal static class NTBuild
{
    // normativeTypesCPP order: value, descriptor, alarm, timeStamp, display, control.
    public static PvType Standard(string id, PvType value, NTOptionalFields fields, params PvMember[] leading)
    {
        var b = PvType.Builder(id);
        foreach (var m in leading)
        {
            b.Add(m.Name, m.Type);
        }

        b.Add("value", value);
        if ((fields & NTOptionalFields.Descriptor) != 0)
        {
            b.Add("descriptor", ScalarType.String);
        }

        if ((fields & NTOptionalFields.Alarm) != 0)
        {
            b.Add("alarm", NTTypes.Alarm);
        }

        if ((fields & NTOptionalFields.TimeStamp) != 0)
        {
            b.Add("timeStamp", NTTypes.TimeStamp);
        }

        if ((fields & NTOptionalFields.Display) != 0)
        {
            b.Add("display", NTTypes.Display);
        }

        if ((fields & NTOptionalFields.Control) != 0)
        {
            b.Add("control", NTTypes.Control);
        }

        return b.Build();
    }

    // The Create of NTScalar and NTScalarArray: alarm and timeStamp always; display and control only when given, then filled in.
    public static PvValue NewWithLimits(
        Func<NTOptionalFields, PvType> typeFor, PvDisplay? display, PvControl? control, NTOptionalFields extra = NTOptionalFields.None)
    {
        var fields = NTOptionalFields.Alarm | NTOptionalFields.TimeStamp | extra;
        fields |= display is null ? 0 : NTOptionalFields.Display;
        fields |= control is null ? 0 : NTOptionalFields.Control;
        var value = new PvValue(typeFor(fields));
        if (display is not null)
        {
            NTFields.WriteDisplay(value, display);
        }

        if (control is not null)
        {
            NTFields.WriteControl(value, control);
        }

        return value;
    }
}
