using System.Net;
using System.Net.Sockets;
using Epics.Pva.Data;
using Epics.Pva.Protocol;
using Epics.Pva.Protocol.Messages;

namespace Epics.Pva.IntegrationTests.ClientServer;

/// <summary>
/// A client over a raw socket that sends exactly what a test says (little endian) and reads replies only when asked:
/// what a careless or hostile client does.
/// </summary>
internal sealed class RawPvaClient : IDisposable
{
    private readonly byte[] _header = new byte[PvaHeader.Size];

    private RawPvaClient(Socket socket) => Socket = socket;

    public Socket Socket { get; }

    /// <summary>Connects and completes the handshake.</summary>
    public static async Task<RawPvaClient> ConnectAsync(int port, int receiveBufferSize = 0)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (receiveBufferSize > 0)
        {
            socket.ReceiveBufferSize = receiveBufferSize;
        }

        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)).WaitAsync(Loopback.Timeout);
        var client = new RawPvaClient(socket);
        await client.ReceiveAsync(PvaCommand.ConnectionValidation);
        await client.SendAsync(PvaCommand.ConnectionValidation, w => ConnectionValidation.WriteClient(w, "anonymous", "test", "test"));
        await client.ReceiveAsync(PvaCommand.ConnectionValidated);
        return client;
    }

    public static byte[] Encode<T>(T message)
        where T : struct, IPvaMessage => Encode(message.Command, w => message.Write(w));

    public static byte[] Encode(PvaCommand command, Action<PvaWriter> body)
    {
        using var b = new MessageBuilder();
        var start = PvaHeader.Begin(b);
        body(new PvaWriter(b, false));
        PvaHeader.End(b, start, fromServer: false, bigEndian: false, command);
        return b.ToArray();
    }

    public Task SendAsync(PvaCommand command, Action<PvaWriter> body) => SendAsync(Encode(command, body));

    public Task SendAsync<T>(T message)
        where T : struct, IPvaMessage => SendAsync(Encode(message));

    public async Task SendAsync(byte[] bytes) => await Socket.SendAsync(bytes).WaitAsync(Loopback.Timeout);

    public async Task<uint> CreateChannelAsync(string name, uint cid = 1)
    {
        await SendAsync(new CreateChannelRequest(cid, name));
        var payload = await ReceiveAsync(PvaCommand.CreateChannel);
        var r = new PvaReader(payload, bigEndian: false);
        var response = CreateChannelResponse.Read(ref r);
        Assert.True(response.Status.IsSuccess, response.Status.ToString());
        return response.Sid;
    }

    /// <summary>INIT of an operation; returns the reply.</summary>
    public async Task<OperationInitReply> InitAsync(PvaCommand command, uint sid, uint ioid, string request = "field()")
    {
        await SendAsync(OperationInitRequest.Create(command, sid, ioid, PvRequest.Parse(request)));
        var payload = await ReceiveAsync(command);
        var r = new PvaReader(payload, bigEndian: false);
        return OperationInitReply.Read(ref r, command);
    }

    /// <summary>The payload of the next message with <paramref name="command"/> (others are skipped).</summary>
    public async Task<byte[]> ReceiveAsync(PvaCommand command)
    {
        while (true)
        {
            var (header, payload) = await ReceiveAnyAsync();
            if (!header.IsControl && header.Command == (byte)command)
            {
                return payload;
            }
        }
    }

    public async Task<(PvaHeader Header, byte[] Payload)> ReceiveAnyAsync()
    {
        await ReadExactlyAsync(_header);
        var header = PvaHeader.Read(_header);
        if (header.IsControl)
        {
            return (header, []);
        }

        var payload = new byte[header.PayloadSize];
        await ReadExactlyAsync(payload);
        return (header, payload);
    }

    /// <summary>Reads until the server closes the connection (a reset counts as closed).</summary>
    public async Task AssertClosedByServerAsync()
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (await Socket.ReceiveAsync(buffer).WaitAsync(Loopback.Timeout) > 0)
            {
            }
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
        }
    }

    public void Dispose() => Socket.Dispose();

    private async Task ReadExactlyAsync(byte[] buffer)
    {
        var have = 0;
        while (have < buffer.Length)
        {
            var n = await Socket.ReceiveAsync(buffer.AsMemory(have)).AsTask().WaitAsync(Loopback.Timeout);
            if (n == 0)
            {
                throw new EndOfStreamException("the server closed the connection");
            }

            have += n;
        }
    }
}
