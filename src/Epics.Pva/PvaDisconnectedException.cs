namespace Epics.Pva;

/// <summary>The connection carrying an operation was lost before the operation completed.</summary>
public sealed class PvaDisconnectedException(string message, Exception? innerException = null) : PvaException(message, innerException);
