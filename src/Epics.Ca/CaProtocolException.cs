namespace Epics.Ca;

/// <summary>A peer sent bytes that are not valid CA; the circuit that carried them is closed.</summary>
public sealed class CaProtocolException : CaException
{
    public CaProtocolException()
    {
    }

    public CaProtocolException(string message)
        : base(message)
    {
    }

    public CaProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
