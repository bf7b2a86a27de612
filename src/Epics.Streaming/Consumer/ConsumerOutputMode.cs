namespace Epics.Streaming.Consumer;

/// <summary>Where a consumer's processed objects go (framework.md §2.4, §13.4).</summary>
public enum ConsumerOutputMode
{
    /// <summary>The consumer hosts the output record, typed by the first published object.</summary>
    Pvas = 0,

    /// <summary>Each object is put, whole, into a remote record of the same type.</summary>
    Pva = 1,

    /// <summary>Each object is the argument of a call to a remote RPC service.</summary>
    Rpc = 2,
}
