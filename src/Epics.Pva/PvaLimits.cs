namespace Epics.Pva;

/// <summary>
/// Bounds on what a peer may make a connection spend. Every size, count or depth a peer controls is checked against
/// one of these while decoding, before anything of that size is allocated; a message over a bound is a protocol
/// error that closes that one connection with a logged reason. The defaults are far above any legitimate use
/// (an NTNDArray with a hundred attributes decodes to about 2,000 fields) and far below what hurts a server.
/// </summary>
public sealed record PvaLimits
{
    /// <summary>The defaults.</summary>
    public static PvaLimits Default { get; } = new();

    /// <summary>
    /// Most fields one type description may expand to, counting every field of every nested structure, union member
    /// and array element type, and counting a cached type (0xFE reference) again each time it is used. Default 65,536.
    /// </summary>
    public int MaxTypeFields { get; init; } = 65_536;

    /// <summary>
    /// Most fields decoding one message may create: type descriptions (expanded as above) plus the fields of every
    /// structure, union member and variant value instantiated for structure arrays, unions and variants. A field
    /// costs about 16 bytes, so the default (1,048,576) bounds one message to about 16 MiB of value trees.
    /// </summary>
    public int MaxMessageFields { get; init; } = 1 << 20;

    /// <summary>
    /// Most fields, summed over the types a peer has defined in a connection's type cache (0xFD), that the cache may
    /// hold at once. Default 1,048,576.
    /// </summary>
    public int MaxCachedTypeFields { get; init; } = 1 << 20;

    /// <summary>
    /// Largest message accepted, whole or reassembled from segments (bytes). Default 1 GiB, which a 16k x 16k
    /// 32-bit frame still fits; the protocol's own ceiling is 2 GiB.
    /// </summary>
    public int MaxMessageSize { get; init; } = 1 << 30;

    /// <summary>
    /// Server: bytes of replies (ECHO, GET, PUT, PUT_GET, RPC, GET_FIELD and the rest) that may wait for a client before
    /// the server stops reading that client's requests until they drain. Monitor updates hold back by themselves at
    /// 4 MiB. A client that takes no byte of its replies for the connection timeout while held back is closed.
    /// Default 16 MiB; one reply larger than this (a GET of a big frame) is still sent whole.
    /// </summary>
    public int MaxReplyBacklog { get; init; } = 16 << 20;

    /// <summary>
    /// Server: put and RPC calls of one connection that may run at once; past it the server reads nothing more from
    /// that client until one ends. Default 1,024.
    /// </summary>
    public int MaxRunningHandlers { get; init; } = 1024;

    /// <summary>Server: most channels one connection may have; creating one more closes the connection. Default 65,536.</summary>
    public int MaxChannelsPerConnection { get; init; } = 65_536;

    /// <summary>
    /// Server: most operations (GET, PUT, MONITOR, RPC... from INIT to destroy, including those waiting for a PV's type)
    /// one connection may have at once; one more closes the connection. Default 65,536.
    /// </summary>
    public int MaxOperationsPerConnection { get; init; } = 65_536;

    /// <summary>
    /// Server: the largest monitor queue a client gets (pvRequest <c>record[queueSize=N]</c>); a larger request is
    /// clamped to this, noted in the log at debug level. Default 10,000.
    /// </summary>
    public int MaxMonitorQueueSize { get; init; } = 10_000;

    internal void Validate()
    {
        if (MaxTypeFields < 1 || MaxMessageFields < 1 || MaxCachedTypeFields < 1 || MaxMessageSize < 1024
            || MaxMessageSize > Transport.PvaConnection.MaxPayload)
        {
            throw new ArgumentOutOfRangeException(nameof(PvaLimits), "every limit must be positive; MaxMessageSize between 1 KiB and 2 GiB - 64");
        }

        if (MaxReplyBacklog < 64 * 1024 || MaxChannelsPerConnection < 1 || MaxOperationsPerConnection < 1 || MaxMonitorQueueSize < 2
            || MaxRunningHandlers < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(PvaLimits),
                "MaxReplyBacklog must be at least 64 KiB, MaxChannelsPerConnection, MaxOperationsPerConnection and MaxRunningHandlers positive, MaxMonitorQueueSize at least 2");
        }
    }
}
