namespace Epics.Pva.Client.Internal;

/// <summary>Operations that live across reconnects (monitors) follow their channel's connection state.</summary>
internal interface IChannelListener
{
    void OnChannelConnected(PvaChannel channel);

    void OnChannelDisconnected(PvaChannel channel);
}
