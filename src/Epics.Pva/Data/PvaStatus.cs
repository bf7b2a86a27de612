namespace Epics.Pva.Data;

/// <summary>Severity of a <see cref="PvaStatus"/>.</summary>
public enum StatusType : byte
{
    /// <summary>Success.</summary>
    Ok = 0,
    /// <summary>Success with a warning.</summary>
    Warning = 1,
    /// <summary>Failure.</summary>
    Error = 2,
    /// <summary>Failure the peer considers fatal for the operation.</summary>
    Fatal = 3,
}

/// <summary>An operation status as the protocol carries it (pva-protocol §2.6).</summary>
/// <param name="Type">Severity.</param>
/// <param name="Message">Human-readable text (may be empty).</param>
/// <param name="CallTree">Server-side trace (usually empty).</param>
public readonly record struct PvaStatus(StatusType Type, string Message = "", string CallTree = "")
{
    /// <summary>Plain success.</summary>
    public static PvaStatus Ok => new(StatusType.Ok);

    /// <summary>True for OK and WARNING.</summary>
    public bool IsSuccess => Type <= StatusType.Warning;

    /// <summary>An error status with <paramref name="message"/>.</summary>
    public static PvaStatus Error(string message) => new(StatusType.Error, message);

    /// <inheritdoc />
    public override string ToString() => string.IsNullOrEmpty(Message) ? Type.ToString() : $"{Type}: {Message}";
}
