using System.Net;
using Epics.Pva.Data;

namespace Epics.Pva.Server;

/// <summary>A client's put, as a put handler sees it (a handler refuses it by throwing; <see cref="UnauthorizedAccessException"/> for a refusal it has logged itself).</summary>
/// <param name="Value">A value of the PV's type whose marked fields (<see cref="PvValue.Changed"/>) are the ones written.</param>
/// <param name="Peer">The client's address.</param>
/// <param name="User">The user name the client claimed ("ca" authentication), or null.</param>
/// <param name="Request">The pvRequest of the operation.</param>
public sealed record PvPutRequest(PvValue Value, IPEndPoint Peer, string? User, PvValue Request)
{
    /// <summary>The host name the client claimed ("ca" authentication), or null.</summary>
    public string? Host { get; init; }
}
