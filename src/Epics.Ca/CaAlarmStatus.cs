namespace Epics.Ca;

/// <summary>CA alarm status (the record STAT field). Not the same enumeration as PVA's <c>alarm_t.status</c>.</summary>
public enum CaAlarmStatus : short
{
    NoAlarm = 0,
    Read = 1,
    Write = 2,
    HiHi = 3,
    High = 4,
    LoLo = 5,
    Low = 6,
    State = 7,
    Cos = 8,
    Comm = 9,
    Timeout = 10,
    HwLimit = 11,
    Calc = 12,
    Scan = 13,
    Link = 14,
    Soft = 15,
    BadSub = 16,
    Udf = 17,
    Disable = 18,
    Simm = 19,
    ReadAccess = 20,
    WriteAccess = 21,
}
