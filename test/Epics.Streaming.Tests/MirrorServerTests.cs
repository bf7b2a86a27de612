using System.Threading.Channels;
using Epics.Pva;
using Epics.Pva.Client;
using Epics.Pva.Data;
using Epics.Pva.Data.NT;
using Epics.Pva.Server;

namespace Epics.Streaming.Tests;

/// <summary>The mirror in-process: a source that goes away takes the mirror record's value, and one that returns restores it.</summary>
public sealed class MirrorServerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_source_that_goes_away_takes_the_value_and_a_mirror_monitor_resumes_when_it_returns()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var source = NTScalar.Create(ScalarType.Double);
        source.Structure["value"].Set(1.25);
        var upstreamOptions = PvaServerOptions.Isolated();
        var upstream = new PvaServer(upstreamOptions);
        upstream.AddPv("src:x", new SharedPv(source.Structure));
        await upstream.StartAsync(cts.Token);
        var upstreamClient = upstream.CreateClientOptions();
        var restartOptions = upstreamOptions with { ServerPort = upstream.TcpPort, BroadcastPort = upstream.UdpPort };

        var events = Channel.CreateUnbounded<MirrorSourceEvent>();
        await using var mirror = new MirrorServer(new MirrorServerOptions { ChannelMap = "(m:x,src:x),(m:missing,src:missing)", SourceTimeout = TimeSpan.FromSeconds(1) },
            PvaServerOptions.Isolated(), upstreamClient);
        mirror.SourceChanged += (_, e) => events.Writer.TryWrite(e);
        await mirror.StartAsync(cts.Token);

        Assert.Equal(new MirrorSourceEvent("m:x", "src:x", MirrorSourceState.Connected), await NextAsync(events, "m:x", cts.Token));
        Assert.Equal(new MirrorSourceEvent("m:missing", "src:missing", MirrorSourceState.NotFound), await NextAsync(events, "m:missing", cts.Token));
        await using var client = new PvaClient(mirror.Server!.CreateClientOptions());
        Assert.True(mirror.IsServed("m:x"));
        await using var sub = client.Subscribe("m:x");
        using (var first = await sub.ReadAsync(cts.Token))
        {
            Assert.Equal(1.25, first!.Value["value"].GetDouble());
        }

        // The upstream server goes away: the mirror says so, and the record has no value (a get waits, then gives up).
        await upstream.DisposeAsync();
        Assert.Equal(MirrorSourceState.Disconnected, (await NextAsync(events, "m:x", cts.Token)).State);
        Assert.False(mirror.IsServed("m:x"));
        using (var quick = CancellationTokenSource.CreateLinkedTokenSource(cts.Token))
        {
            quick.CancelAfter(TimeSpan.FromSeconds(1));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetAsync("m:x", cancellationToken: quick.Token));
        }

        // It comes back on the same ports: the mirror serves it again and the same monitor resumes with the new value.
        var again = NTScalar.Create(ScalarType.Double);
        again.Structure["value"].Set(2.5);
        await using var restarted = new PvaServer(restartOptions);
        restarted.AddPv("src:x", new SharedPv(again.Structure));
        await restarted.StartAsync(cts.Token);
        Assert.Equal(MirrorSourceState.Connected, (await NextAsync(events, "m:x", cts.Token)).State);
        using var resumed = await sub.ReadAsync(cts.Token);
        Assert.Equal(2.5, resumed!.Value["value"].GetDouble());
    }

    [Fact]
    public async Task A_mirror_client_that_comes_before_the_source_gets_its_first_value()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var sourcePv = new SharedPv();
        await using var upstream = new PvaServer(PvaServerOptions.Isolated());
        upstream.AddPv("src:late", sourcePv);
        await upstream.StartAsync(cts.Token);
        await using var mirror = new MirrorServer(new MirrorServerOptions { ChannelMap = "(m:late,src:late)" }, PvaServerOptions.Isolated(), upstream.CreateClientOptions());
        await mirror.StartAsync(cts.Token);

        await using var client = new PvaClient(mirror.Server!.CreateClientOptions());
        await using var sub = client.Subscribe("m:late");
        var read = sub.ReadAsync(cts.Token).AsTask();
        await Task.Delay(300, cts.Token);
        Assert.False(read.IsCompleted);

        var value = NTScalar.Create(ScalarType.Double).Structure;
        value["value"].Set(7.5);
        sourcePv.Open(value);
        using var first = await read;
        Assert.Equal(7.5, first!.Value["value"].GetDouble());
    }

    [Fact]
    public async Task A_source_record_closed_and_reopened_with_another_type_retypes_the_mirror_record()
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
