namespace Epics.Ca;

/// <summary>
/// A channel did not connect (no server answered its search, or the circuit could not be set up) in time. It is a
/// <see cref="TimeoutException"/> so callers can treat it like any other timeout; <see cref="Channel"/> names the PV.
/// </summary>
public sealed class CaTimeoutException : TimeoutException
{
    public CaTimeoutException()
    {
    }

    public CaTimeoutException(string message)
        : base(message)
    {
    }

    public CaTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public CaTimeoutException(string channel, TimeSpan timeout)
        : base($"channel '{channel}' did not connect within {timeout.TotalSeconds:0.###} s")
    {
        Channel = channel;
    }

    /// <summary>The channel name.</summary>
    public string Channel { get; } = string.Empty;
}
