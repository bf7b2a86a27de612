namespace Epics.Ca.Protocol;

/// <summary>One decoded CA message. The payload may be a view of a receive buffer that is reused afterwards.</summary>
internal readonly record struct CaMessage(CaHeader Header, ReadOnlyMemory<byte> Payload);
