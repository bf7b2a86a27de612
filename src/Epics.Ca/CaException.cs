namespace Epics.Ca;

/// <summary>Base of the errors the CA client and server raise.</summary>
public class CaException : Exception
{
    public CaException()
    {
    }

    public CaException(string message)
        : base(message)
    {
    }

    public CaException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
