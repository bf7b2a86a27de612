namespace Epics.Streaming;

/// <summary>A bad option or an unreadable input: the message is one line meant for the user.</summary>
public sealed class StreamingConfigurationException : Exception
{
    /// <summary>An empty error.</summary>
    public StreamingConfigurationException()
    {
    }

    /// <summary>An error with <paramref name="message"/>.</summary>
    public StreamingConfigurationException(string message)
        : base(message)
    {
    }

    /// <summary>An error with <paramref name="message"/> caused by <paramref name="inner"/>.</summary>
    public StreamingConfigurationException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
