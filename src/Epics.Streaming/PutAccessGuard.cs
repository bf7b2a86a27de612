using Epics.Pva.Server;
using Microsoft.Extensions.Logging;

namespace Epics.Streaming;

/// <summary>
/// Refuses the puts a <see cref="ClientAccessList"/> does not allow: logged with who and from where, and failed back
/// to the client with the reason (the server sends it as the put's error status). The stages' control and input records
/// check with <see cref="Check"/>; <see cref="Protect"/> puts the check in front of any <see cref="SharedPv"/>'s puts.
/// </summary>
public sealed class PutAccessGuard(ClientAccessList access, ILogger logger)
{
    /// <summary>Whether the list lets everyone in (nothing to check).</summary>
    public bool IsOpen => access.IsOpen;

    /// <exception cref="UnauthorizedAccessException">The put is refused.</exception>
    public void Check(string channel, PvPutRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (access.IsOpen || access.Refusal(request) is not { } reason)
        {
            return;
        }

        logger.LogWarning("Refused put to {Channel} from user {User} on host {Host} at {Peer}: {Reason}",
            channel, request.User ?? "(anonymous)", request.Host ?? "(none)", request.Peer, reason);
        throw new UnauthorizedAccessException($"{channel}: {reason}");
    }

    /// <summary>
    /// Checks every put to <paramref name="pv"/> (served as <paramref name="channel"/>) before its put handler, or before
    /// the default (the value is posted) when it has none. Nothing changes when the list is open.
    /// </summary>
    public void Protect(string channel, SharedPv pv)
    {
        ArgumentNullException.ThrowIfNull(pv);
        if (access.IsOpen)
        {
            return;
        }

        var inner = pv.PutHandler;
        pv.PutHandler = (request, cancellationToken) =>
        {
            Check(channel, request);
            if (inner is not null)
            {
                return inner(request, cancellationToken);
            }

            pv.Post(request.Value);
            return ValueTask.CompletedTask;
        };
    }
}
