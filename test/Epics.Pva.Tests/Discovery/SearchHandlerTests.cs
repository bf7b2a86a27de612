using System.Net;
using Epics.Pva.Protocol;
using Epics.Pva.Protocol.Messages;
using Epics.Pva.Transport.Discovery;

namespace Epics.Pva.Tests.Discovery;

public class SearchHandlerTests
{
    private static readonly PvaGuid Guid = new(Convert.FromHexString("0102030405060708090A0B0C"));

    private static SearchHandler Handler() => new(Guid, name => name.StartsWith("have:", StringComparison.Ordinal), 15075);

    private static SearchRequest Request(SearchFlags flags, params string[] names) =>
        new(7, flags, IPAddress.Any, 5555, SearchRequest.TcpOnly, names.Select((n, i) => new SearchChannel((uint)(100 + i), n)).ToArray());

    [Fact]
    public void Found_names_are_answered_in_one_response_listing_their_ids()
    {
        var r = Handler().Answer(Request(SearchFlags.None, "have:a", "nope", "have:b"));
        Assert.NotNull(r);
        Assert.True(r.Found);
        Assert.Equal([100u, 102u], r.SearchIds);
        Assert.Equal(Guid, r.Guid);
        Assert.Equal(7u, r.SequenceId);
        Assert.Equal(15075, r.ServerPort);
        Assert.Equal("tcp", r.Protocol);
    }

    [Fact]
    public void Unknown_names_get_no_answer_unless_must_reply()
    {
        Assert.Null(Handler().Answer(Request(SearchFlags.Unicast, "nope")));
        var negative = Handler().Answer(Request(SearchFlags.MustReply, "nope"));
        Assert.NotNull(negative);
        Assert.False(negative.Found);
    }

    [Fact]
    public void Discovery_ping_gets_a_negative_answer()
    {
        var r = Handler().Answer(Request(SearchFlags.MustReply));
        Assert.NotNull(r);
        Assert.False(r.Found);
        Assert.Empty(r.SearchIds);
    }

    [Fact]
    public void Only_tcp_is_claimed()
    {
        var tls = Request(SearchFlags.None, "have:a") with { Protocols = ["tls"] };
        Assert.Null(Handler().Answer(tls));
        var both = Request(SearchFlags.None, "have:a") with { Protocols = ["tls", "tcp"] };
        Assert.True(Handler().Answer(both)!.Found);
        var any = Request(SearchFlags.None, "have:a") with { Protocols = [] };
        Assert.True(Handler().Answer(any)!.Found);
    }

    [Fact]
    public void A_throwing_lookup_counts_as_not_found()
    {
        var h = new SearchHandler(Guid, _ => throw new InvalidOperationException("boom"), 1);
        Assert.Null(h.Answer(Request(SearchFlags.None, "x")));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Tcp_search_gets_a_response_message_in_the_connection_byte_order(bool bigEndian)
    {
        using var request = new MessageBuilder();
        Request(SearchFlags.Unicast, "have:x").Write(request, bigEndian: !bigEndian);
        var payload = request.ToArray()[PvaHeader.Size..];

        using var output = new MessageBuilder();
        Assert.True(Handler().TryBuildSearchResponse(payload, !bigEndian, output, bigEndian));
        var bytes = output.ToArray();
        var header = PvaHeader.Read(bytes);
        Assert.Equal((byte)PvaCommand.SearchResponse, header.Command);
        Assert.True(header.IsFromServer);
        Assert.Equal(bigEndian, header.IsBigEndian);
        Assert.Equal((uint)(bytes.Length - PvaHeader.Size), header.PayloadSize);
        var r = new PvaReader(bytes.AsSpan(PvaHeader.Size), bigEndian);
        var response = SearchResponse.Read(ref r);
        Assert.True(response.Found);
        Assert.Equal([100u], response.SearchIds);

        using var none = new MessageBuilder();
        using var unknown = new MessageBuilder();
        Request(SearchFlags.Unicast, "nope").Write(unknown, bigEndian);
        Assert.False(Handler().TryBuildSearchResponse(unknown.ToArray()[PvaHeader.Size..], bigEndian, none, bigEndian));
        Assert.Equal(0, none.Length);
    }

    [Fact]
    public void Tcp_search_with_a_bad_payload_throws_a_protocol_error()
    {
        using var output = new MessageBuilder();
        Assert.Throws<PvaProtocolException>(() => Handler().TryBuildSearchResponse(new byte[] { 1, 2, 3 }, false, output, false));
    }
}
