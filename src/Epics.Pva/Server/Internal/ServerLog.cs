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
}
