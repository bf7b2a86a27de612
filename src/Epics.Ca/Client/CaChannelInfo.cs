using System.Net;

namespace Epics.Ca.Client;

/// <summary>What CREATE_CHAN and ACCESS_RIGHTS told about a connected channel (what <c>cainfo</c> prints).</summary>
/// <param name="Name">The channel name.</param>
/// <param name="Server">The server's TCP endpoint.</param>
/// <param name="NativeType">The native field type (DBF_*), one of the plain <see cref="DbrType"/> values.</param>
/// <param name="NativeCount">The native element count.</param>
/// <param name="CanRead">Read access granted.</param>
/// <param name="CanWrite">Write access granted.</param>
public sealed record CaChannelInfo(string Name, IPEndPoint Server, DbrType NativeType, int NativeCount, bool CanRead, bool CanWrite);
