namespace Epics.Ca;

/// <summary>
/// The CA request types (<c>DBR_*</c>, pva-protocol §11.5). The plain types 0–6 are also the native field types
/// (<c>DBF_*</c>) a server reports; the families add status (STS), timestamp (TIME), display (GR) and control (CTRL)
/// metadata: <c>family = plain + 7 × n</c>.
/// </summary>
public enum DbrType : ushort
{
    String = 0,
    Short = 1,
    Float = 2,
    Enum = 3,
    Char = 4,
    Long = 5,
    Double = 6,
    StsString = 7,
    StsShort = 8,
    StsFloat = 9,
    StsEnum = 10,
    StsChar = 11,
    StsLong = 12,
    StsDouble = 13,
    TimeString = 14,
    TimeShort = 15,
    TimeFloat = 16,
    TimeEnum = 17,
    TimeChar = 18,
    TimeLong = 19,
    TimeDouble = 20,
    GrString = 21,
    GrShort = 22,
    GrFloat = 23,
    GrEnum = 24,
    GrChar = 25,
    GrLong = 26,
    GrDouble = 27,
    CtrlString = 28,
    CtrlShort = 29,
    CtrlFloat = 30,
    CtrlEnum = 31,
    CtrlChar = 32,
    CtrlLong = 33,
    CtrlDouble = 34,
    PutAckt = 35,
    PutAcks = 36,
    StsackString = 37,
    ClassName = 38,
}
