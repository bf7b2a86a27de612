using Microsoft.Extensions.Logging;

namespace Epics.Pva.Server.Internal;

/// <summary>Source-generated log messages of served PVs.</summary>
internal static partial class ServerLog
{
    [LoggerMessage(PvaEventId.HandlerError, LogLevel.Warning, "Put to {Name} from {Peer} failed: {Reason}")]
    public static partial void PutFailed(ILogger logger, string name, string peer, string reason, Exception exception);

    [LoggerMessage(PvaEventId.HandlerError, LogLevel.Warning, "RPC call of {Name} from {Peer} failed: {Reason}")]
    public static partial void RpcFailed(ILogger logger, string name, string peer, string reason, Exception exception);

    [LoggerMessage(PvaEventId.HandlerError, LogLevel.Warning, "Client connect/disconnect handler of {Name} failed: {Reason}")]
    public static partial void HookFailed(ILogger logger, string name, string reason, Exception exception);

    [LoggerMessage(PvaEventId.Timeout, LogLevel.Debug, "Holding back the requests of {Peer}: {Bytes} bytes of replies wait for it to read them, {Handlers} put/RPC calls run")]
    public static partial void ReadingHeldBack(ILogger logger, string peer, long bytes, int handlers);

    [LoggerMessage(PvaEventId.Timeout, LogLevel.Warning, "Closing connection {Peer}: held back for its unread replies, it has read none of its replies for {Seconds:F0} s")]
    public static partial void NotReading(ILogger logger, string peer, double seconds);

    [LoggerMessage(PvaEventId.ProtocolError, LogLevel.Debug, "Monitor of {Name} from {Peer}: queueSize {Requested} clamped to {Limit}")]
    public static partial void QueueSizeClamped(ILogger logger, string name, string peer, int requested, int limit);
}
