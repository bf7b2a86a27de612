namespace Epics.Pva;

/// <summary>
/// Base of the errors pvstream raises for network and peer failures. The tiers are:
/// <list type="bullet">
/// <item><see cref="PvaProtocolException"/>: the peer sent bytes that break the protocol; that connection is closed.</item>
/// <item><see cref="PvaDisconnectedException"/>: the connection was lost while an operation was in flight.</item>
/// <item><see cref="PvaRemoteException"/>: the server answered with an error status (bad request, put rejected...).</item>
/// </list>
/// Misuse raises the usual BCL exceptions (ArgumentException, ObjectDisposedException); timeouts are
/// <see cref="TimeoutException"/> and cancellation <see cref="OperationCanceledException"/>.
/// </summary>
public class PvaException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PvaException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with an inner cause.</summary>
    public PvaException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
