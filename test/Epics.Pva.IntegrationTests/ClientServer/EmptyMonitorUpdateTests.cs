using System.Net;
using System.Net.Sockets;
using Epics.Pva.Client;
using Epics.Pva.Data;
using Epics.Pva.Protocol;
using Epics.Pva.Protocol.Messages;
using Epics.Pva.Transport.Discovery;

namespace Epics.Pva.IntegrationTests.ClientServer;

/// <summary>
/// pvDatabaseCPP (pvapy's servers) answers the acks of a <c>pipeline=true</c> monitor with updates whose changed and
/// overrun BitSets are both empty (../shared/conformance pva-adsim/uint8-8x4/pvmonitor-pipeline). A scripted server
/// reproduces that: the client must not hand those to the application, yet must acknowledge them, because each one
/// used a slot of the server's window.
/// </summary>
public class EmptyMonitorUpdateTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Pipelined_monitor_skips_empty_updates_and_acknowledges_them()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var stop = new CancellationTokenSource(Timeout);
        var server = new ScriptedServer(listener, port);
        var serverTask = server.RunAsync(stop.Token);

        var options = new PvaClientOptions { AutoAddressList = false, BroadcastPort = 0, NameServers = [$"127.0.0.1:{port}"] };
        await using (var client = new PvaClient(options))
        {
            await using var sub = client.Subscribe("scripted:pv", "record[queueSize=4,pipeline=true]field()");
            var first = await sub.ReadAsync(stop.Token);
            Assert.NotNull(first);
            Assert.Equal(1, first.Value["value"].GetInt32());
            first.Dispose();

            // The server sends value 2 only after the client has given back the whole window of 4 (1 update + 3 empty).
            var second = await sub.ReadAsync(stop.Token);
            Assert.NotNull(second);
            Assert.Equal(2, second.Value["value"].GetInt32());
            Assert.True(second.Changed[second.Value.Type.OffsetOf("value")]);
            second.Dispose();

            var stats = sub.Statistics;
            Assert.Equal(2, stats.Received);
            Assert.True(stats.Empty >= 3, $"empty updates counted: {stats.Empty}");
            Assert.True(server.Acked >= 4, $"acked {server.Acked}");
        }

        await stop.CancelAsync();
        await serverTask.WaitAsync(Timeout, TestContext.Current.CancellationToken);
    }

    /// <summary>
    /// A little-endian peer on one listener that is both the name server and the channel's server: validation, SEARCH,
    /// CREATE_CHANNEL and one pipelined MONITOR that sends what pvDatabase sends.
    /// </summary>
    private sealed class ScriptedServer(TcpListener listener, int port)
    {
        private const uint Sid = 77;
        private readonly SearchHandler _search = new(PvaGuid.NewRandom(), n => n == "scripted:pv", port);
        private readonly PvValue _value = Loopback.Counter(1);
        private int _acked;

        public int Acked => Volatile.Read(ref _acked);

        public async Task RunAsync(CancellationToken ct)
        {
            var connections = new List<Task>();
            try
            {
                while (true)
                {
                    var socket = await listener.AcceptTcpClientAsync(ct);
                    connections.Add(ServeAsync(socket, ct));
                }
            }
            catch (OperationCanceledException)
            {
                // Test over.
            }

            await Task.WhenAll(connections);
        }

        private async Task ServeAsync(TcpClient socket, CancellationToken ct)
        {
            using var _ = socket;
            var stream = socket.GetStream();
            using var b = new MessageBuilder();
            try
            {
                PvaHeader.Write(b.GetSpan(8), fromServer: true, bigEndian: false, (byte)PvaControlCommand.SetByteOrder, 0, control: true);
                b.Advance(8);
                Message(b, PvaCommand.ConnectionValidation, w =>
                {
                    w.WriteUInt32(0x10000);
                    w.WriteUInt16(0x7FFF);
                    w.WriteSize(1);
                    w.WriteString("anonymous");
                });
                await stream.WriteAsync(b.ToArray(), ct);

                var header = new byte[8];
                while (true)
                {
                    await stream.ReadExactlyAsync(header, ct);
                    var h = PvaHeader.Read(header);
                    var payload = new byte[h.PayloadSize];
                    await stream.ReadExactlyAsync(payload, ct);
                    if (h.IsControl)
                    {
                        continue;
                    }

                    b.Reset();
                    Answer(b, h, payload);
                    if (b.Length > 0)
                    {
                        await stream.WriteAsync(b.ToArray(), ct);
                    }
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or EndOfStreamException)
            {
                // Client gone or test over.
            }
        }

        private void Answer(MessageBuilder b, PvaHeader h, byte[] payload)
        {
            var r = new PvaReader(payload, h.IsBigEndian);
            switch ((PvaCommand)h.Command)
            {
                case PvaCommand.ConnectionValidation:
                    Message(b, PvaCommand.ConnectionValidated, w => w.WriteStatus(PvaStatus.Ok));
                    break;
                case PvaCommand.Search:
                    _search.TryBuildSearchResponse(payload, h.IsBigEndian, b, bigEndian: false);
                    break;
                case PvaCommand.CreateChannel:
                    var cid = CreateChannelRequest.ReadAll(ref r)[0].Cid;
                    Message(b, PvaCommand.CreateChannel, w => new CreateChannelResponse(cid, Sid, PvaStatus.Ok).Write(w));
                    break;
                case PvaCommand.Monitor:
                    r.Skip(4);
                    var ioid = r.ReadUInt32();
                    var sub = r.ReadByte();
                    OnMonitor(b, ioid, sub, ref r);
                    break;
            }
        }

        private void OnMonitor(MessageBuilder b, uint ioid, byte sub, ref PvaReader r)
        {
            if ((sub & SubCommand.Init) != 0)
            {
                Assert.Equal(SubCommand.Init | SubCommand.GetPut, sub);
                Message(b, PvaCommand.Monitor, w =>
                {
                    w.WriteUInt32(ioid);
                    w.WriteByte(SubCommand.Init);
                    w.WriteStatus(PvaStatus.Ok);
                    TypeCodec.Write(w, _value.Type);
                });
                return;
            }

            if (sub == SubCommand.MonitorStart)
            {
                // The window is 4: the whole structure, then three updates that change nothing.
                Update(b, ioid, new BitSet([0]));
                for (var i = 0; i < 3; i++)
                {
                    Update(b, ioid, new BitSet());
                }

                return;
            }

            if (sub == SubCommand.MonitorAck)
            {
                var before = Acked;
                var after = Interlocked.Add(ref _acked, (int)r.ReadUInt32());
                if (before < 4 && after >= 4)
                {
                    _value["value"].Set(2);
                    Update(b, ioid, new BitSet([_value.Type.OffsetOf("value")]));
                    Update(b, ioid, new BitSet());
                }
            }
        }

        private void Update(MessageBuilder b, uint ioid, BitSet changed) =>
            Message(b, PvaCommand.Monitor, w =>
            {
                w.WriteUInt32(ioid);
                w.WriteByte(0);
                ValueCodec.WritePartial(w, _value, changed);
                w.WriteBitSet(new BitSet());
            });

        private static void Message(MessageBuilder b, PvaCommand command, Action<PvaWriter> body)
        {
            var start = PvaHeader.Begin(b);
            body(new PvaWriter(b, false));
            PvaHeader.End(b, start, fromServer: true, bigEndian: false, command);
        }
    }
}
