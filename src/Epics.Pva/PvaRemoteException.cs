using Epics.Pva.Data;

namespace Epics.Pva;

/// <summary>The server answered an operation with an error status.</summary>
public sealed class PvaRemoteException(PvaStatus status, string? channel = null)
    : PvaException(channel is null ? status.Message : $"{channel}: {status.Message}")
{
    /// <summary>The status the server sent.</summary>
    public PvaStatus Status { get; } = status;
}
