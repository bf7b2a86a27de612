using Epics.Pva.Protocol;
using Epics.Pva.Protocol.Messages;

namespace Epics.Pva.Tests.Conformance;

/// <summary>
/// The messages our client and server send, built by the production writers from what a peer sent, are the peer's
/// bytes exactly (header included) wherever the peer made the same choices we make.
/// </summary>
public class SentMessageTests
{
    public static IEnumerable<TheoryDataRow<string>> Captures() => CaptureReplayTests.Captures();

    [Theory]
    [MemberData(nameof(Captures))]
    public void Messages_we_send_match_the_peer_bytes(string capture)
    {
        if (capture.Length == 0)
        {
            Assert.Skip("shared/conformance not found");
        }

        var replay = CaptureReplay.Run(capture, roundTrip: false);
        foreach (var m in replay.Messages)
        {
            var expected = m.Segments.Count == 1 ? m.First.Bytes : null;
            var ours = Build(m);
            if (ours is not null && expected is not null)
            {
                Check.That(ours.AsSpan().SequenceEqual(expected),
                    () => $"{capture} {m}\npeer {Convert.ToHexString(expected)}\nours {Convert.ToHexString(ours)}");
            }
        }
    }

    [Fact]
    public void Every_kind_of_message_we_send_is_compared_somewhere()
    {
        CaptureFiles.RequireRoot();
        var seen = new HashSet<string>();
        string[] captures =
        [
            "pva-softIocPVX/ai/pvxget.json", "pva-softIocPVA/ai/pvput.json", "pva-adsim/uint8-8x4/pvxmonitor-pipeline.json", "pva-softIocPVX/ai/pvxput.json",
            "pva-softIocPVX/ai/pvxinfo.json", "pva-rpc/pvxs-rpc_server/pvxcall.json", "pva-softIocPVX/errors/pvxcall-not-rpc.json",
        ];
        foreach (var capture in captures)
        {
            foreach (var m in CaptureReplay.Run(capture, roundTrip: false).Messages)
            {
                if (Build(m) is not null)
                {
                    seen.Add(m.IsControl ? "control" : $"{m.Command} {(m.FromServer ? "S" : "C")}");
                }
            }
        }

        Assert.Equal(
            ["Beacon S", "ConnectionValidated S", "ConnectionValidation C", "ConnectionValidation S", "CreateChannel C", "CreateChannel S",
             "DestroyRequest C", "Get C", "Get S", "GetField C", "GetField S", "Monitor C", "Monitor S", "OriginTag C", "Put C", "Put S", "Rpc C", "Rpc S",
             "Search C", "SearchResponse S", "control"],
            seen.Order(StringComparer.Ordinal));
    }

    /// <summary>Our encoding of <paramref name="m"/> with the writer we send it with, or null when we would not send it so.</summary>
    private static byte[]? Build(ReplayedMessage m)
    {
        var h = m.Header;
        if (m.IsControl)
        {
            // Our server's first message; pvAccessCPP and PVXS send the same.
            var control = new byte[PvaHeader.Size];
            PvaHeader.Write(control, fromServer: true, bigEndian: false, (byte)PvaControlCommand.SetByteOrder, 0, control: true);
            return h.Command == (byte)PvaControlCommand.SetByteOrder ? control : null;
        }

        using var builder = new MessageBuilder();
        switch (m.Command)
        {
            case PvaCommand.Search:
            {
                var search = (SearchRequest)m.Parsed!;
                if (m["address"].Raw!.AsSpan().IndexOfAnyExcept((byte)0) < 0)
                {
                    // PVXS writes "no reply address" as ::, we (like pvAccessCPP) as ::ffff:0.0.0.0; both mean the same.
                    search.Write(builder, h.IsBigEndian);
                    var bytes = builder.ToArray();
                    Assert.Equal([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0, 0, 0], bytes[16..32]);
                    bytes.AsSpan(16 + 10, 2).Clear();
                    return bytes;
                }

                search.Write(builder, h.IsBigEndian);
                break;
            }

            case PvaCommand.SearchResponse:
                ((SearchResponse)m.Parsed!).Write(builder, h.IsBigEndian);
                break;
            case PvaCommand.Beacon:
                ((Beacon)m.Parsed!).Write(builder, h.IsBigEndian);
                break;
            case PvaCommand.OriginTag:
                ((OriginTag)m.Parsed!).Write(builder, h.IsBigEndian);
                break;
            case PvaCommand.ConnectionValidation when h.IsFromServer:
                if (m["bufferSize"].Number != ConnectionValidation.ReceiveBufferSize)
                {
                    return null; // pvAccessCPP announces its own buffer size
                }

                Message(builder, h, w => ConnectionValidation.WriteServer(w, ["anonymous", "ca"]));
                break;
            case PvaCommand.ConnectionValidation:
            {
                var (method, user, host) = ((string, string?, string?))m.Parsed!;
                if (m["bufferSize"].Number != ConnectionValidation.ReceiveBufferSize || user is null || host is null)
                {
                    return null; // pvAccessCPP clients announce 4 MiB and send the auth type through the cache
                }

                Message(builder, h, w => ConnectionValidation.WriteClient(w, method, user, host));
                break;
            }

            case PvaCommand.ConnectionValidated:
                Message(builder, h, w => w.WriteStatus(m["status"].Status));
                break;
            case PvaCommand.CreateChannel when h.IsFromServer:
            {
                var response = (CreateChannelResponse)m.Parsed!;
                Message(builder, h, w => response.Write(w));
                break;
            }

            case PvaCommand.CreateChannel:
            {
                var request = Assert.Single((List<CreateChannelRequest>)m.Parsed!);
                Message(builder, h, w => request.Write(w));
                break;
            }

            default:
                if (SentOperationMessages.Rebuild(m) is not { } message)
                {
                    return null;
                }

                Message(builder, h, message.Write);
                break;
        }

        return builder.ToArray();
    }

    private static void Message(MessageBuilder builder, PvaHeader h, Action<PvaWriter> write)
    {
        var start = PvaHeader.Begin(builder);
        write(new PvaWriter(builder, h.IsBigEndian));
        PvaHeader.End(builder, start, h.IsFromServer, h.IsBigEndian, (PvaCommand)h.Command);
    }

    [Fact]
    public void Pvxs_search_and_its_responses_are_big_endian_and_decode_as_the_readme_says()
    {
        CaptureFiles.RequireRoot();
        var replay = CaptureReplay.Run("pva-softIocPVX/ai/pvxget.json", roundTrip: false);

        var search = replay.Messages.First(m => m.Command == PvaCommand.Search && m.Header.IsBigEndian);
        var request = (SearchRequest)search.Parsed!;
        Assert.Equal(0x66696e64u, request.SequenceId); // "find"
        Assert.True(request.IsUnicast);
        Assert.True(WireAddress.IsUnspecified(request.ResponseAddress));
        Assert.Equal("conf:ai", Assert.Single(request.Channels).Name);

        // PVXS answers twice (the unicast and the forwarded copy), big endian, with "use the sender's address".
        var answers = replay.Messages.Where(m => m.Command == PvaCommand.SearchResponse).ToList();
        Assert.Equal(2, answers.Count);
        Assert.All(answers, m => Assert.True(m.Header.IsBigEndian));
        var responses = answers.Select(m => (SearchResponse)m.Parsed!).ToList();
        Assert.All(responses, r => Assert.Equal(15075, r.ServerPort));
        Assert.All(responses, r => Assert.True(WireAddress.IsUnspecified(r.ServerAddress)));
        Assert.All(responses, r => Assert.True(r.Found && r.SequenceId == request.SequenceId));
    }
}
