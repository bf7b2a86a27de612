namespace Epics.Ca.Protocol;

/// <summary>CA command codes (pva-protocol §11.3).</summary>
internal static class CaCommand
{
    public const ushort Version = 0;
    public const ushort EventAdd = 1;
    public const ushort EventCancel = 2;
    public const ushort Read = 3;
    public const ushort Write = 4;
    public const ushort Search = 6;
    public const ushort EventsOff = 8;
    public const ushort EventsOn = 9;
    public const ushort ReadSync = 10;
    public const ushort Error = 11;
    public const ushort ClearChannel = 12;
    public const ushort RsrvIsUp = 13;
    public const ushort NotFound = 14;
    public const ushort ReadNotify = 15;
    public const ushort RepeaterConfirm = 17;
    public const ushort CreateChan = 18;
    public const ushort WriteNotify = 19;
    public const ushort ClientName = 20;
    public const ushort HostName = 21;
    public const ushort AccessRights = 22;
    public const ushort Echo = 23;
    public const ushort RepeaterRegister = 24;
    public const ushort CreateChanFail = 26;
    public const ushort ServerDisconnect = 27;

    /// <summary>Highest command code any peer sends; above this a stream is garbage.</summary>
    public const ushort Last = 27;

    /// <summary>The protocol minor version we speak (CA 4.13).</summary>
    public const ushort MinorVersion = 13;

    /// <summary>SEARCH data type: do not answer with NOT_FOUND.</summary>
    public const ushort SearchDontReply = 5;

    /// <summary>SEARCH data type: answer with NOT_FOUND when the name is unknown.</summary>
    public const ushort SearchDoReply = 10;

    /// <summary>Search reply address meaning "use the datagram's source address".</summary>
    public const uint AddressFromSource = 0xFFFFFFFF;

    public static string Name(ushort command) => command switch
    {
        Version => "VERSION",
        EventAdd => "EVENT_ADD",
        EventCancel => "EVENT_CANCEL",
        Read => "READ",
        Write => "WRITE",
        Search => "SEARCH",
        EventsOff => "EVENTS_OFF",
        EventsOn => "EVENTS_ON",
        ReadSync => "READ_SYNC",
        Error => "ERROR",
        ClearChannel => "CLEAR_CHANNEL",
        RsrvIsUp => "RSRV_IS_UP",
        NotFound => "NOT_FOUND",
        ReadNotify => "READ_NOTIFY",
        RepeaterConfirm => "REPEATER_CONFIRM",
        CreateChan => "CREATE_CHAN",
        WriteNotify => "WRITE_NOTIFY",
        ClientName => "CLIENT_NAME",
        HostName => "HOST_NAME",
        AccessRights => "ACCESS_RIGHTS",
        Echo => "ECHO",
        RepeaterRegister => "REPEATER_REGISTER",
        CreateChanFail => "CREATE_CH_FAIL",
        ServerDisconnect => "SERVER_DISCONN",
        _ => $"command {command}",
    };
}
