using System.Net;
using Epics.Pva.Protocol;
using Epics.Pva.Protocol.Messages;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Epics.Pva.Transport.Discovery;

/// <summary>
/// Decides a server's answer to a SEARCH, for UDP (<see cref="SearchResponder"/>) and TCP (name-server clients,
/// pva-protocol §5.9: the TCP server calls <see cref="TryBuildSearchResponse"/> when a SEARCH arrives on a connection).
/// Only "tcp" is claimed. Found names get one response listing all their ids (pvxs style); a negative answer is sent
/// only when the request has the mustReply flag (also the zero-channel "discovery ping").
/// </summary>
internal sealed class SearchHandler
{
    private readonly Func<string, bool> _hasChannel;
    private readonly ILogger _logger;

    /// <param name="guid">This server run's GUID (random per start).</param>
    /// <param name="hasChannel">Whether we serve a name; called on the receive thread, so it must be quick.</param>
    /// <param name="tcpPort">The TCP port the server actually listens on.</param>
    /// <param name="logger">Where failures of <paramref name="hasChannel"/> go.</param>
    public SearchHandler(PvaGuid guid, Func<string, bool> hasChannel, int tcpPort, ILogger? logger = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tcpPort);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(tcpPort, 65535);
        Guid = guid;
        _hasChannel = hasChannel;
        TcpPort = tcpPort;
        _logger = logger ?? NullLogger.Instance;
    }

    public PvaGuid Guid { get; }

    public int TcpPort { get; }

    /// <summary>The response to send, or null to stay silent.</summary>
    public SearchResponse? Answer(SearchRequest request)
    {
        List<uint>? found = null;
        if (request.AcceptsTcp)
        {
            foreach (var c in request.Channels)
            {
                if (Has(c.Name))
                {
                    (found ??= []).Add(c.Id);
                }
            }
        }

        if (found is null && !request.MustReply)
        {
            return null;
        }

        // Unspecified address: the client uses the datagram's source (or the TCP connection's peer).
        return new SearchResponse(Guid, request.SequenceId, IPAddress.Any, (ushort)TcpPort, SearchRequest.TcpProtocol,
            found is not null, (IReadOnlyList<uint>?)found ?? []);
    }

    /// <summary>
    /// For the TCP server: answers a SEARCH received on a TCP connection. Decodes <paramref name="searchPayload"/>
    /// (the message payload, in <paramref name="searchBigEndian"/> order) and, when an answer is due, appends a whole
    /// SEARCH_RESPONSE message (header included, server direction) in the connection's byte order to
    /// <paramref name="output"/>. Returns whether something was written.
    /// </summary>
    /// <exception cref="PvaProtocolException">The payload is not a valid SEARCH.</exception>
    public bool TryBuildSearchResponse(ReadOnlySpan<byte> searchPayload, bool searchBigEndian, MessageBuilder output, bool bigEndian)
    {
        var reader = new PvaReader(searchPayload, searchBigEndian);
        var response = Answer(SearchRequest.Read(ref reader));
        if (response is null)
        {
            return false;
        }

        response.Write(output, bigEndian);
        return true;
    }

    private bool Has(string name)
    {
        try
        {
            return _hasChannel(name);
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Channel lookup for search of '{Name}' failed", name);
            return false;
        }
    }
}
