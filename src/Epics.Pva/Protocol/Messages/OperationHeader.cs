namespace Epics.Pva.Protocol.Messages;

/// <summary>Sub-command bits of channel operations (pva-protocol §7.1).</summary>
internal static class SubCommand
{
    public const byte Execute = 0x00;
    public const byte Process = 0x04;
    public const byte Init = 0x08;
    public const byte Destroy = 0x10;
    public const byte Get = 0x40;
    public const byte GetPut = 0x80;

    /// <summary>MONITOR: start (0x44), stop (0x04), pipeline ack (0x80).</summary>
    public const byte MonitorStart = 0x44;
    public const byte MonitorStop = 0x04;
    public const byte MonitorAck = 0x80;
}
