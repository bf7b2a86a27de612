namespace Epics.Streaming.Consumer;

/// <summary>How a consumer's input arrives (framework.md §13.4). The numbers are the reference's.</summary>
public enum ConsumerInputMode
{
    /// <summary>A monitor of a remote channel with the request of §6.1.</summary>
    Pva = 0,

    /// <summary>The consumer hosts the input record on its own server; clients put into it. There is no initial update.</summary>
    Pvas = 1,

    /// <summary>
    /// The consumer hosts an RPC service named after the input channel; each call's argument is an object. The reply is
    /// <c>{int status}</c> (0), or <c>{int status = -1; string errorMessage}</c>. There is no initial update.
    /// </summary>
    Rpc = 2,

    /// <summary>A Channel Access monitor of the input channel (value, alarm and timeStamp; the request does not apply).</summary>
    Ca = 3,
}
