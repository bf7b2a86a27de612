using System.Net;
using System.Net.Sockets;
using Epics.Pva.Protocol;
using Epics.Pva.Protocol.Messages;
using Epics.Pva.Transport.Discovery;

namespace Epics.Pva.IntegrationTests.Discovery;

/// <summary>
/// SEARCH over TCP to a name server (pva-protocol §5.9). The server side is a minimal TCP peer that performs the
/// validation handshake and answers searches through <see cref="SearchHandler.TryBuildSearchResponse"/>, the entry
/// point the real TCP server uses.
/// </summary>
public class NameServerSearchTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Searcher_finds_names_through_a_tcp_name_server()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var handler = new SearchHandler(PvaGuid.NewRandom(), n => n == "ns:pv", port);
        using var stop = new CancellationTokenSource(Timeout);
        var serverTask = ServeAsync(listener, handler, stop.Token);

        var options = new PvaClientOptions
        {
            AutoAddressList = false,
            BroadcastPort = 0,
            NameServers = [$"127.0.0.1:{port}"],
        };
        await using (var searcher = new ChannelSearcher(options))
        {
            Assert.Empty(searcher.Destinations);
            var found = new TaskCompletionSource<SearchResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            searcher.Register(3, "ns:pv", found.SetResult);
            var result = await found.Task.WaitAsync(Timeout, TestContext.Current.CancellationToken);
            Assert.Equal(new IPEndPoint(IPAddress.Loopback, port), result.Server);
            Assert.Equal(handler.Guid, result.Guid);
        }

        await stop.CancelAsync();
        var searches = await serverTask.WaitAsync(Timeout, TestContext.Current.CancellationToken);
        Assert.True(searches >= 1);
    }

    // Little-endian server: SET_BYTE_ORDER, CONNECTION_VALIDATION, then CONNECTION_VALIDATED after the client's reply;
    // returns the number of searches seen.
    private static async Task<int> ServeAsync(TcpListener listener, SearchHandler handler, CancellationToken cancellationToken)
    {
        var searches = 0;
        try
        {
            using var client = await listener.AcceptTcpClientAsync(cancellationToken);
            var stream = client.GetStream();
            using var b = new MessageBuilder();
            PvaHeader.Write(b.GetSpan(8), fromServer: true, bigEndian: false, (byte)PvaControlCommand.SetByteOrder, 0, control: true);
            b.Advance(8);
            var start = PvaHeader.Begin(b);
            var w = new PvaWriter(b, false);
            w.WriteUInt32(0x10000);
            w.WriteUInt16(0x7FFF);
            w.WriteSize(2);
            w.WriteString("anonymous");
            w.WriteString("ca");
            PvaHeader.End(b, start, fromServer: true, bigEndian: false, PvaCommand.ConnectionValidation);
            await stream.WriteAsync(b.ToArray(), cancellationToken);

            var header = new byte[8];
            while (true)
            {
                await stream.ReadExactlyAsync(header, cancellationToken);
                var h = PvaHeader.Read(header);
                Assert.False(h.IsFromServer);
                var payload = new byte[h.PayloadSize];
                await stream.ReadExactlyAsync(payload, cancellationToken);
                b.Reset();
                if (h.Command == (byte)PvaCommand.ConnectionValidation)
                {
                    var r = new PvaReader(payload, h.IsBigEndian);
                    r.Skip(8);
                    Assert.Equal("anonymous", r.ReadString());
                    var s = PvaHeader.Begin(b);
                    new PvaWriter(b, false).WriteByte(0xFF);
                    PvaHeader.End(b, s, fromServer: true, bigEndian: false, PvaCommand.ConnectionValidated);
                }
                else if (h.Command == (byte)PvaCommand.Search)
                {
                    // The client must send in the byte order we announced.
                    Assert.False(h.IsBigEndian);
                    searches++;
                    handler.TryBuildSearchResponse(payload, h.IsBigEndian, b, bigEndian: false);
                }

                if (b.Length > 0)
                {
                    await stream.WriteAsync(b.ToArray(), cancellationToken);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or EndOfStreamException)
        {
            return searches;
        }
    }
}
