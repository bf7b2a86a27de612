namespace Epics.Pva;

/// <summary>The peer sent bytes that do not follow the protocol (truncated, oversized, invalid codes...).</summary>
public sealed class PvaProtocolException(string message) : PvaException(message);
