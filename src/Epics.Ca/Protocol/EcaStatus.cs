namespace Epics.Ca.Protocol;

/// <summary>ECA status codes as they travel on the wire: <c>(code &lt;&lt; 3) | severity</c> (caerr.h).</summary>
internal static class EcaStatus
{
    public const uint Normal = 0x001;
    public const uint BadType = 0x072;
    public const uint GetFail = 0x098;
    public const uint PutFail = 0x0A0;
    public const uint BadCount = 0x0B0;
    public const uint BadMonitorId = 0x0F2;
    public const uint NoReadAccess = 0x170;
    public const uint NoWriteAccess = 0x178;
    public const uint BadChannelId = 0x19A;

    public static string Describe(uint status) => status switch
    {
        Normal => "Normal successful completion",
        BadType => "The data type specified is invalid",
        GetFail => "Channel read request failed",
        PutFail => "Channel write request failed",
        BadCount => "Invalid element count requested",
        BadMonitorId => "Bad event subscription (monitor) identifier",
        NoReadAccess => "Read access denied",
        NoWriteAccess => "Write access denied",
        BadChannelId => "Invalid channel identifier",
        _ => $"CA status 0x{status:X}",
    };
}
