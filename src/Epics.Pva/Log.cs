using Microsoft.Extensions.Logging;

namespace Epics.Pva;

/// <summary>Stable event ids, grouped by thousand per subsystem.</summary>
public static class PvaEventId
{
#pragma warning disable CS1591
    public const int SearchSent = 1000;
    public const int SearchResponse = 1001;
    public const int UdpDrop = 1002;
    public const int BeaconSent = 1003;
    public const int Connected = 2000;
    public const int Disconnected = 2001;
    public const int ProtocolError = 2002;
    public const int ConnectFailed = 2003;
    public const int Timeout = 2004;
    public const int HandlerError = 2005;
    public const int ChannelCreated = 3000;
    public const int ChannelFailed = 3001;
    public const int ChannelLost = 3002;
    public const int MonitorOverrun = 4000;
    public const int RemoteMessage = 4001;
#pragma warning restore CS1591
}

/// <summary>Source-generated log messages of the TCP side.</summary>
internal static partial class Log
{
    [LoggerMessage(PvaEventId.Connected, LogLevel.Debug, "Connection {Peer} established")]
    public static partial void Connected(ILogger logger, string peer);

    [LoggerMessage(PvaEventId.Disconnected, LogLevel.Debug, "Connection {Peer} closed: {Reason}")]
    public static partial void Disconnected(ILogger logger, string peer, string reason);

    [LoggerMessage(PvaEventId.ProtocolError, LogLevel.Warning, "Closing connection {Peer}: protocol error: {Reason}")]
    public static partial void ProtocolError(ILogger logger, string peer, string reason);

    [LoggerMessage(PvaEventId.ConnectFailed, LogLevel.Debug, "Connecting to {Peer} failed: {Reason}")]
    public static partial void ConnectFailed(ILogger logger, string peer, string reason);

    [LoggerMessage(PvaEventId.Timeout, LogLevel.Information, "Closing connection {Peer}: nothing received for {Seconds} s")]
    public static partial void InactivityTimeout(ILogger logger, string peer, double seconds);

    [LoggerMessage(PvaEventId.HandlerError, LogLevel.Error, "Unexpected error handling a message from {Peer}")]
    public static partial void HandlerError(ILogger logger, string peer, Exception exception);

    [LoggerMessage(PvaEventId.ChannelCreated, LogLevel.Debug, "Channel {Name} connected to {Peer}")]
    public static partial void ChannelCreated(ILogger logger, string name, string peer);

    [LoggerMessage(PvaEventId.ChannelFailed, LogLevel.Debug, "Channel {Name} refused by {Peer}: {Reason}")]
    public static partial void ChannelFailed(ILogger logger, string name, string peer, string reason);

    [LoggerMessage(PvaEventId.RemoteMessage, LogLevel.Information, "Server message for request {RequestId}: {Text}")]
    public static partial void RemoteMessage(ILogger logger, uint requestId, string text);
}
