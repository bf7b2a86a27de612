namespace Epics.Pva.Client;

/// <summary>Where a channel is in its life.</summary>
public enum PvaChannelState
{
    /// <summary>Looking for a server that has the name.</summary>
    Searching,
    /// <summary>A server answered; the TCP connection and channel are being set up.</summary>
    Connecting,
    /// <summary>Ready for operations.</summary>
    Connected,
    /// <summary>Closed by the client.</summary>
    Closed,
}
