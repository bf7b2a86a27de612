using System.Threading.Channels;
using Epics.Pva;
using Epics.Pva.Client;
using Epics.Pva.Data;
using Epics.Pva.Data.NT;
using Epics.Pva.Server;

namespace Epics.Streaming.Tests;

/// <summary>The mirror in-process: a source that goes away takes the mirror record with it, and comes back with it.</summary>
public sealed class MirrorServerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_source_that_goes_away_removes_the_mirror_record_until_it_returns()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var source = NTScalar.Create(ScalarType.Double);
        var sourcePv = new SharedPv(source.Structure);
        var upstream = new PvaServer(PvaServerOptions.Isolated());
        upstream.AddPv("src:x", sourcePv);
        await upstream.StartAsync(cts.Token);

        var events = Channel.CreateUnbounded<MirrorSourceEvent>();
        await using var mirror = new MirrorServer(new MirrorServerOptions { ChannelMap = "(m:x,src:x),(m:missing,src:missing)", SourceTimeout = TimeSpan.FromSeconds(1) },
            PvaServerOptions.Isolated(), upstream.CreateClientOptions());
        mirror.SourceChanged += (_, e) => events.Writer.TryWrite(e);
        await mirror.StartAsync(cts.Token);

        Assert.Equal(new MirrorSourceEvent("m:x", "src:x", MirrorSourceState.Connected), await NextAsync(events, "m:x", cts.Token));
        Assert.Equal(new MirrorSourceEvent("m:missing", "src:missing", MirrorSourceState.NotFound), await NextAsync(events, "m:missing", cts.Token));
        await using (var client = new PvaClient(mirror.Server!.CreateClientOptions()))
        {
            Assert.True(mirror.IsServed("m:x"));
            using var got = await client.GetAsync("m:x", cancellationToken: cts.Token);
            Assert.Equal(NTScalar.Id, got.Type.Id);
        }

        // The upstream server goes away: the mirror says so and stops serving the record.
        await upstream.DisposeAsync();
        Assert.Equal(MirrorSourceState.Disconnected, (await NextAsync(events, "m:x", cts.Token)).State);
        Assert.False(mirror.IsServed("m:x"));
        await using (var client = new PvaClient(mirror.Server!.CreateClientOptions()))
        {
            using var quick = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
            quick.CancelAfter(TimeSpan.FromSeconds(1));
            await Assert.ThrowsAnyAsync<Exception>(() => client.GetAsync("m:x", cancellationToken: quick.Token));
        }
    }

    [Fact]
    public async Task A_closed_source_record_removes_the_mirror_record_and_a_reopened_one_restores_it()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var sourcePv = new SharedPv(NTScalar.Create(ScalarType.Double).Structure);
        await using var upstream = new PvaServer(PvaServerOptions.Isolated());
        upstream.AddPv("src:y", sourcePv);
        await upstream.StartAsync(cts.Token);
        var events = Channel.CreateUnbounded<MirrorSourceEvent>();
        await using var mirror = new MirrorServer(new MirrorServerOptions { ChannelMap = "(m:y,src:y)" }, PvaServerOptions.Isolated(), upstream.CreateClientOptions());
        mirror.SourceChanged += (_, e) => events.Writer.TryWrite(e);
        await mirror.StartAsync(cts.Token);
        Assert.Equal(MirrorSourceState.Connected, (await NextAsync(events, "m:y", cts.Token)).State);

        sourcePv.Close();
        Assert.Equal(MirrorSourceState.Disconnected, (await NextAsync(events, "m:y", cts.Token)).State);
        Assert.False(mirror.IsServed("m:y"));

        sourcePv.Open(NTScalar.Create(ScalarType.Int).Structure);
        Assert.Equal(MirrorSourceState.Connected, (await NextAsync(events, "m:y", cts.Token)).State);
        await using var client = new PvaClient(mirror.Server!.CreateClientOptions());
        using var got = await client.GetAsync("m:y", cancellationToken: cts.Token);
        Assert.Equal(ScalarType.Int, got["value"].Type.ScalarType);
    }

    private static async Task<MirrorSourceEvent> NextAsync(Channel<MirrorSourceEvent> events, string mirrorName, CancellationToken ct)
    {
        while (true)
        {
            var e = await events.Reader.ReadAsync(ct);
            if (e.MirrorName == mirrorName)
            {
                return e;
            }
        }
    }
}
