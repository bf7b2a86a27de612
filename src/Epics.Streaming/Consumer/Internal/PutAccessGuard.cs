using Epics.Pva.Server;
using Microsoft.Extensions.Logging;

namespace Epics.Streaming.Consumer.Internal;

/// <summary>
/// Refuses the puts a <see cref="ClientAccessList"/> does not allow: logged with who and from where, and failed back
/// to the client with the reason (the server sends it as the put's error status).
/// </summary>
internal sealed class PutAccessGuard(ClientAccessList access, ILogger logger)
{
    /// <exception cref="UnauthorizedAccessException">The put is refused.</exception>
    public void Check(string channel, PvPutRequest request)
    {
        if (access.IsOpen || access.Refusal(request) is not { } reason)
        {
            return;
        }

        logger.LogWarning("Refused put to {Channel} from user {User} on host {Host} at {Peer}: {Reason}",
            channel, request.User ?? "(anonymous)", request.Host ?? "(none)", request.Peer, reason);
        throw new UnauthorizedAccessException($"{channel}: {reason}");
    }
}
