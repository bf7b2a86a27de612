namespace Epics.Ca;

/// <summary>A server answered a request with an ECA error status (e.g. write access denied, bad type).</summary>
public sealed class CaStatusException : CaException
{
    public CaStatusException()
    {
    }

    public CaStatusException(string message)
        : base(message)
    {
    }

    public CaStatusException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public CaStatusException(string channel, uint status, string message)
        : base($"{channel}: {message} (ECA 0x{status:X})")
    {
        Channel = channel;
        Status = status;
    }

    /// <summary>The channel name.</summary>
    public string Channel { get; } = string.Empty;

    /// <summary>The ECA status code as sent on the wire (<c>(code &lt;&lt; 3) | severity</c>).</summary>
    public uint Status { get; }
}
