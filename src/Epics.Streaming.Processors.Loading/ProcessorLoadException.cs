namespace Epics.Streaming.Processors.Loading;

/// <summary>
/// A processor could not be loaded: a compile error (<see cref="CompilerMessages"/> holds the compiler's errors as
/// <c>file:line:column: error CSnnnn: text</c>), a missing class, a class that does not derive from the base, or an
/// unreadable file. The message is meant for the user.
/// </summary>
public sealed class ProcessorLoadException : Exception
{
    /// <summary>An empty error.</summary>
    public ProcessorLoadException()
    {
    }

    /// <summary>An error with <paramref name="message"/>.</summary>
    public ProcessorLoadException(string message)
        : base(message)
    {
    }

    /// <summary>An error with <paramref name="message"/> caused by <paramref name="inner"/>.</summary>
    public ProcessorLoadException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>A compile error with the compiler's <paramref name="compilerMessages"/>.</summary>
    public ProcessorLoadException(string message, IReadOnlyList<string> compilerMessages)
        : base(message) => CompilerMessages = compilerMessages;

    /// <summary>The compiler's error messages (empty unless compilation failed).</summary>
    public IReadOnlyList<string> CompilerMessages { get; } = [];
}
