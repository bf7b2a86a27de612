using System.Net;
using System.Net.Sockets;

namespace Pvstream.Testing;

/// <summary>
/// Fixed port numbers for processes a test starts with a given port (peer IOCs, pvstream tools). They come from below
/// the kernel's ephemeral range (Linux: 32768-60999), where no outgoing connection or port-0 bind of another test can
/// take a port between our check and the process binding it: such a collision made an IOC move to another TCP port or
/// share its UDP search port with a stranger, and a client then found it late or not at all.
/// </summary>
internal static class TestPorts
{
    private const int First = 20000;
    private const int Last = 32000;

    // Each test process starts at its own random place, so parallel test processes rarely meet.
    private static int _next = First + Random.Shared.Next(Last - First);

    /// <summary>A port free for TCP and UDP on every interface now, never an EPICS default, never ephemeral.</summary>
    public static int Next()
    {
        for (var attempt = 0; attempt < Last - First; attempt++)
        {
            var port = First + ((Interlocked.Increment(ref _next) - First) % (Last - First));
            if (IsFree(port))
            {
                return port;
            }
        }

        throw new InvalidOperationException($"no free port between {First} and {Last}");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(IPAddress.Any, port));
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            tcp.Bind(new IPEndPoint(IPAddress.Any, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
