namespace Epics.Streaming.Consumer;

/// <summary>How a consumer's input arrives (framework.md §13.4).</summary>
public enum ConsumerInputMode
{
    /// <summary>A monitor of a remote channel with the request of §6.1.</summary>
    Pva = 0,

    /// <summary>The consumer hosts the input record on its own server; clients put into it. There is no initial update.</summary>
    Pvas = 1,
}
