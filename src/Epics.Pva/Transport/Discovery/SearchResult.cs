using System.Net;
using Epics.Pva.Protocol.Messages;

namespace Epics.Pva.Transport.Discovery;

/// <summary>A positive search answer: who serves the channel registered under <see cref="SearchId"/>.</summary>
/// <param name="SearchId">The id given to <see cref="ChannelSearcher.Register"/>.</param>
/// <param name="Name">The channel name.</param>
/// <param name="Server">The server's TCP endpoint (an unspecified address in the answer is replaced by the sender's).</param>
/// <param name="Guid">The server's GUID.</param>
internal readonly record struct SearchResult(uint SearchId, string Name, IPEndPoint Server, PvaGuid Guid);
