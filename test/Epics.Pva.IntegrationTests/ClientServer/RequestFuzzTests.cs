using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using Epics.Pva.Data;
using Epics.Pva.IntegrationTests.Discovery;
using Epics.Pva.Protocol;
using Epics.Pva.Protocol.Messages;
using Epics.Pva.Server;

namespace Epics.Pva.IntegrationTests.ClientServer;

/// <summary>
/// No internal exception is reachable from the wire: mutated requests of every kind, sent to a server by a client that
/// has channels and operations open, either get an answer or close that one connection with a protocol error at
/// warning level. CI runs a fixed seed; <c>PVSTREAM_FUZZ_SEED</c> and <c>PVSTREAM_FUZZ_CASES</c> run others.
/// </summary>
public class RequestFuzzTests
{
    private const uint X = 1, Unopened = 2, Rpc = 3; // channel ids as the server assigns them: in creation order

    /// <summary>Returns its argument.</summary>
    private sealed class EchoRpcPv : ServerPv
    {
        public EchoRpcPv()
            : base(null) => Open(Loopback.Counter());

        protected override bool HandlesRpc => true;

        protected override ValueTask<PvValue?> OnRpcAsync(PvValue argument, CancellationToken cancellationToken) => new(argument.Clone());
    }

    private static byte[] Setup()
    {
        var field = PvRequest.Parse("field()");
        using var s = new MemoryStream();
        s.Write(RawPvaClient.Encode(new CreateChannelRequest(1, "x")));
        s.Write(RawPvaClient.Encode(new CreateChannelRequest(2, "unopened")));
        s.Write(RawPvaClient.Encode(new CreateChannelRequest(3, "rpc")));
        s.Write(RawPvaClient.Encode(OperationInitRequest.Create(PvaCommand.Get, X, 1, field)));
        s.Write(RawPvaClient.Encode(OperationInitRequest.Create(PvaCommand.Put, X, 2, field)));
        s.Write(RawPvaClient.Encode(OperationInitRequest.Create(PvaCommand.Monitor, X, 3, PvRequest.Parse("record[pipeline=true]field()"), 4)));
        s.Write(RawPvaClient.Encode(OperationInitRequest.Create(PvaCommand.Rpc, Rpc, 4, field)));
        s.Write(RawPvaClient.Encode(OperationInitRequest.Create(PvaCommand.PutGet, X, 5, field)));
        s.Write(RawPvaClient.Encode(OperationInitRequest.Create(PvaCommand.Get, Unopened, 6, field)));
        return s.ToArray();
    }

    private static List<byte[]> Templates()
    {
        var value = Loopback.Counter(42);
        value.Changed.Clear();
        value["value"].MarkChanged();
        var monitorRequest = PvRequest.Parse("record[queueSize=3,pipeline=true]field(value,alarm.severity)");
        return
        [
            RawPvaClient.Encode(new OperationRequest(PvaCommand.Get, X, 1, SubCommand.Get)),
            RawPvaClient.Encode(new PutRequest(PvaCommand.Put, X, 2, SubCommand.Execute, value)),
            RawPvaClient.Encode(new OperationRequest(PvaCommand.Put, X, 2, SubCommand.Get)),
            RawPvaClient.Encode(new PutRequest(PvaCommand.PutGet, X, 5, SubCommand.Execute, value)),
            RawPvaClient.Encode(MonitorRequest.Start(X, 3)),
            RawPvaClient.Encode(MonitorRequest.Stop(X, 3)),
            RawPvaClient.Encode(MonitorRequest.Ack(X, 3, 2)),
            RawPvaClient.Encode(new OperationRequest(PvaCommand.Monitor, X, 3, SubCommand.Destroy)),
            RawPvaClient.Encode(new RpcRequest(Rpc, 4, SubCommand.Execute, value)),
            RawPvaClient.Encode(new GetFieldRequest(X, 7, "alarm")),
            RawPvaClient.Encode(new GetFieldRequest(Unopened, 8, string.Empty)),
            RawPvaClient.Encode(OperationInitRequest.Create(PvaCommand.Monitor, X, 9, monitorRequest, 2)),
            RawPvaClient.Encode(OperationInitRequest.Create(PvaCommand.Get, X, 10, PvRequest.Parse("field(value)"))),
            RawPvaClient.Encode(OperationInitRequest.Create(PvaCommand.Process, X, 11, PvRequest.Parse("field()"))),
            RawPvaClient.Encode(new OperationRequest(PvaCommand.Process, X, 11, SubCommand.Execute)),
            RawPvaClient.Encode(new CreateChannelRequest(4, "x")),
            RawPvaClient.Encode(new DestroyChannel(X, 1)),
            RawPvaClient.Encode(new DestroyChannel(Unopened, 2)),
            RawPvaClient.Encode(new DestroyRequestMessage(X, 1)),
            RawPvaClient.Encode(new DestroyRequestMessage(Unopened, 6, Cancel: true)),
            RawPvaClient.Encode(PvaCommand.Echo, w => w.WriteUInt32(1)),
            RawPvaClient.Encode(PvaCommand.Search, w => w.WriteUInt32(1)),
        ];
    }

    private static byte[] Mutate(byte[] message, Random random)
    {
        var bytes = new List<byte>(message);
        var edits = random.Next(1, 5);
        for (var e = 0; e < edits; e++)
        {
            switch (random.Next(6))
            {
                case 0 when bytes.Count > 8: // truncate the payload
                {
                    var keep = random.Next(8, bytes.Count);
                    bytes.RemoveRange(keep, bytes.Count - keep);
                    break;
                }

                case 1: // append
                    bytes.AddRange(Enumerable.Range(0, random.Next(1, 9)).Select(_ => (byte)random.Next(256)));
                    break;
                case 2: // a large size or count
                    if (bytes.Count > 9)
                    {
                        var at = random.Next(8, bytes.Count);
                        bytes[at] = random.Next(2) == 0 ? (byte)0xFE : (byte)0xFF;
                    }

                    break;
                case 3: // another command
                    bytes[3] = (byte)random.Next(0x07, 0x16);
                    break;
                default: // flip a payload byte
                    if (bytes.Count > 8)
                    {
                        bytes[random.Next(8, bytes.Count)] ^= (byte)(1 << random.Next(8));
                    }

                    break;
            }
        }

        var result = bytes.ToArray();
        BinaryPrimitives.WriteInt32LittleEndian(result.AsSpan(4), result.Length - 8);
        return result;
    }

    // Sends the bytes then an echo; true when the echo came back, false when the server closed the connection.
    private static async Task<bool> SendAndSyncAsync(RawPvaClient raw, byte[] bytes)
    {
        try
        {
            await raw.SendAsync([.. bytes, .. RawPvaClient.Encode(PvaCommand.Echo, w => w.WriteUInt32(0xF0220001))]);
            while (true)
            {
                var (header, payload) = await raw.ReceiveAnyAsync();
                if (header.Command == (byte)PvaCommand.Echo && payload.Length == 4 && BinaryPrimitives.ReadUInt32LittleEndian(payload) == 0xF0220001)
                {
                    return true;
                }
            }
        }
        catch (Exception e) when (e is EndOfStreamException or SocketException)
        {
            return false;
        }
    }

    [Fact]
    public async Task Mutated_requests_are_answered_or_protocol_errors_never_internal_errors()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("PVSTREAM_FUZZ_SEED"), out var s) ? s : 20261206;
        var cases = int.TryParse(Environment.GetEnvironmentVariable("PVSTREAM_FUZZ_CASES"), out var c) ? c : 300;
        using var logs = new CapturingLoggerFactory();
        await using var lo = await Loopback.StartAsync(server =>
        {
            server.AddPv("x", new SharedPv(Loopback.Counter(5)));
            server.AddPv("unopened", new SharedPv());
            server.AddPv("rpc", new EchoRpcPv());
        }, PvaServerOptions.Isolated() with { LoggerFactory = logs });

        var random = new Random(seed);
        var templates = Templates();
        var setup = Setup();
        var closed = 0;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < cases && clock.Elapsed < TimeSpan.FromSeconds(60); i++)
        {
            using var raw = await RawPvaClient.ConnectAsync(lo.Server.TcpPort);
            Assert.True(await SendAndSyncAsync(raw, setup), "the unmutated setup closed the connection");
            for (var m = random.Next(1, 4); m > 0; m--)
            {
                var message = Mutate(templates[random.Next(templates.Count)], random);
                if (!await SendAndSyncAsync(raw, message))
                {
                    closed++;
                    break;
                }
            }
        }

        Assert.DoesNotContain(logs.Lines, l => l.StartsWith("Error", StringComparison.Ordinal) || l.Contains("internal error", StringComparison.Ordinal));
        Assert.True(closed > 0, "no mutation was refused: the fuzzing is not reaching the decoders");
        Assert.True(closed < cases, "every mutation was refused: the fuzzing is not reaching the handlers");
        Assert.NotNull(await lo.Client.GetAsync("x", cancellationToken: Loopback.Deadline())); // (its value may have been put)
    }
}
