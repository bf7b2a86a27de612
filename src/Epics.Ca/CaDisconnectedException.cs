namespace Epics.Ca;

/// <summary>The channel's server went away (or the circuit was closed) while a request was outstanding.</summary>
public sealed class CaDisconnectedException : CaException
{
    public CaDisconnectedException()
    {
    }

    public CaDisconnectedException(string message)
        : base(message)
    {
    }

    public CaDisconnectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
