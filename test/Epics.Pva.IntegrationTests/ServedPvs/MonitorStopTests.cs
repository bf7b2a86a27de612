using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Epics.Pva.Data;
using Epics.Pva.IntegrationTests.ClientServer;
using Epics.Pva.Protocol;
using Epics.Pva.Protocol.Messages;
using Epics.Pva.Server;

namespace Epics.Pva.IntegrationTests.ServedPvs;

/// <summary>
/// A monitor the client stops (MONITOR with sub-command 0x04) sends nothing more, not even the updates already queued
/// on the server; START sends the whole current value again. Our client never stops a monitor, so a scripted client
/// speaks the protocol here.
/// </summary>
public sealed class MonitorStopTests
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(400);

    [Fact]
    public async Task Queued_updates_are_not_sent_after_STOP_and_START_sends_the_current_value()
    {
        var pv = new SharedPv(Loopback.Counter(0));
        await using var lo = await Loopback.StartAsync(s => s.AddPv("x", pv));
        using var client = await ScriptedClient.ConnectAsync(lo.Server.TcpPort);
        var sid = await client.CreateChannelAsync("x");

        // Pipelined with a window of 1: the connect value uses it up, so later posts stay queued on the server.
        await client.InitMonitorAsync(sid, ioid: 5, "record[queueSize=4,pipeline=true]field()", window: 1);
        client.Send(PvaCommand.Monitor, w => { w.WriteUInt32(sid); w.WriteUInt32(5); w.WriteByte(SubCommand.MonitorStart); });
        Assert.Equal(0, (await client.ReadUpdateAsync())["value"].GetInt32());

        for (var i = 1; i <= 3; i++)
        {
            var u = Loopback.Counter();
            u.Changed.Clear();
            u["value"].Set(i);
            pv.Post(u);
        }

        Assert.Equal(3, Assert.Single(pv.Subscribers).Queued);

        // STOP, then give the window back: nothing may come out.
        client.Send(PvaCommand.Monitor, w => { w.WriteUInt32(sid); w.WriteUInt32(5); w.WriteByte(SubCommand.MonitorStop); });
        client.Send(PvaCommand.Monitor, w => { w.WriteUInt32(sid); w.WriteUInt32(5); w.WriteByte(SubCommand.MonitorAck); w.WriteUInt32(10); });
        await client.ExpectSilenceAsync(Quiet);
        Assert.Empty(pv.Subscribers);

        // START: exactly the whole current value, once.
        client.Send(PvaCommand.Monitor, w => { w.WriteUInt32(sid); w.WriteUInt32(5); w.WriteByte(SubCommand.MonitorStart); });
        Assert.Equal(3, (await client.ReadUpdateAsync())["value"].GetInt32());
        await client.ExpectSilenceAsync(Quiet);
    }

    /// <summary>A little-endian client that handshakes, creates one channel and runs one monitor by hand.</summary>
    private sealed class ScriptedClient : IDisposable
    {
        private readonly TcpClient _socket;
        private readonly NetworkStream _stream;
        private readonly Channel<(PvaHeader Header, byte[] Payload)> _inbox = Channel.CreateUnbounded<(PvaHeader, byte[])>();
        private readonly CancellationTokenSource _stop = new();
        private readonly PvValue _value = Loopback.Counter();

        private ScriptedClient(TcpClient socket)
        {
            _socket = socket;
            _stream = socket.GetStream();
            _ = Task.Run(ReceiveLoopAsync);
        }

        public static async Task<ScriptedClient> ConnectAsync(int port)
        {
            var socket = new TcpClient();
            await socket.ConnectAsync(IPAddress.Loopback, port).WaitAsync(Loopback.Timeout);
            var client = new ScriptedClient(socket);
            await client.ReceiveAsync(PvaCommand.ConnectionValidation);
            client.Send(PvaCommand.ConnectionValidation, w => ConnectionValidation.WriteClient(w, "anonymous", "test", "test"));
            await client.ReceiveAsync(PvaCommand.ConnectionValidated);
            return client;
        }

        public async Task<uint> CreateChannelAsync(string name)
        {
            Send(PvaCommand.CreateChannel, w => new CreateChannelRequest(1, name).Write(w));
            var payload = await ReceiveAsync(PvaCommand.CreateChannel);
            var r = new PvaReader(payload, bigEndian: false);
            var (_, sid, status) = CreateChannelResponse.Read(ref r);
            Assert.True(status.IsSuccess, status.ToString());
            return sid;
        }

        public async Task InitMonitorAsync(uint sid, uint ioid, string request, uint window)
        {
            var pvRequest = PvRequest.Parse(request);
            Send(PvaCommand.Monitor, w =>
            {
                w.WriteUInt32(sid);
                w.WriteUInt32(ioid);
                w.WriteByte(SubCommand.Init | SubCommand.GetPut);
                TypeCodec.Write(w, pvRequest.Type);
                ValueCodec.WriteFull(w, pvRequest);
                w.WriteUInt32(window);
            });
            var payload = await ReceiveAsync(PvaCommand.Monitor);
            var r = new PvaReader(payload, bigEndian: false);
            Assert.Equal(ioid, r.ReadUInt32());
            Assert.NotEqual(0, r.ReadByte() & SubCommand.Init);
            var status = r.ReadStatus();
            Assert.True(status.IsSuccess, status.ToString());
        }

        /// <summary>The next monitor update, decoded onto the value so far.</summary>
        public async Task<PvValue> ReadUpdateAsync()
        {
            var payload = await ReceiveAsync(PvaCommand.Monitor);
            var r = new PvaReader(payload, bigEndian: false);
            r.ReadUInt32();
            Assert.Equal(0, r.ReadByte());
            ValueCodec.ReadPartial(ref r, _value, new BitSet());
            return _value;
        }

        public async Task ExpectSilenceAsync(TimeSpan time)
        {
            await Task.Delay(time);
            Assert.False(_inbox.Reader.TryRead(out var m), $"unexpected command {m.Header.Command}");
        }

        public void Send(PvaCommand command, Action<PvaWriter> body)
        {
            using var b = new MessageBuilder();
            var start = PvaHeader.Begin(b);
            body(new PvaWriter(b, false));
            PvaHeader.End(b, start, fromServer: false, bigEndian: false, command);
            _stream.Write(b.ToArray());
        }

        public void Dispose()
        {
            _stop.Cancel();
            _socket.Dispose();
            _stop.Dispose();
        }

        private async Task<byte[]> ReceiveAsync(PvaCommand command)
        {
            using var timeout = new CancellationTokenSource(Loopback.Timeout);
            var (header, payload) = await _inbox.Reader.ReadAsync(timeout.Token);
            Assert.Equal((byte)command, header.Command);
            return payload;
        }

        private async Task ReceiveLoopAsync()
        {
            var header = new byte[PvaHeader.Size];
            try
            {
                while (true)
                {
                    await _stream.ReadExactlyAsync(header, _stop.Token);
                    var h = PvaHeader.Read(header);
                    var payload = new byte[h.PayloadSize];
                    await _stream.ReadExactlyAsync(payload, _stop.Token);
                    if (!h.IsControl && h.Command != (byte)PvaCommand.Echo)
                    {
                        await _inbox.Writer.WriteAsync((h, payload));
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or EndOfStreamException or ObjectDisposedException)
            {
                // Test over.
            }
        }
    }
}
