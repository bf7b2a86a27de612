using Epics.Ca.Client;
using Epics.Ca.Protocol;
using Epics.Pva.Data;

namespace Epics.Ca.Tests.Peers;

/// <summary>
/// Our CA client against a real epics-base <c>softIoc</c> (RSRV), started per test on a free loopback port. Skipped
/// when softIoc is not installed (see <see cref="SoftIoc"/>).
/// </summary>
public sealed class SoftIocTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    private const string Db = """
        record(ai, "sio:ai") {
            field(VAL, "3.5")
            field(EGU, "mm")
            field(PREC, "3")
            field(HOPR, "10")
            field(LOPR, "-10")
            field(HIHI, "9")
            field(HIGH, "8")
            field(LOW, "-8")
            field(LOLO, "-9")
            field(HHSV, "MAJOR")
            field(HSV, "MINOR")
            field(LSV, "MINOR")
            field(LLSV, "MAJOR")
            field(PINI, "YES")
        }
        record(waveform, "sio:wf") {
            field(FTVL, "DOUBLE")
            field(NELM, "8")
        }
        record(mbbi, "sio:mbbi") {
            field(ZRST, "Zero")
            field(ONST, "One")
            field(TWST, "Two")
            field(VAL, "1")
            field(PINI, "YES")
        }
        record(stringin, "sio:si") {
            field(VAL, "hello world")
            field(PINI, "YES")
        }
        record(longout, "sio:lo") {
            field(VAL, "5")
            field(DRVH, "100")
            field(DRVL, "0")
            field(PINI, "YES")
        }
        record(ao, "sio:disabled") {
            field(VAL, "1")
            field(DISP, "1")
        }
        record(calc, "sio:count") {
            field(SCAN, ".1 second")
            field(CALC, "A+1")
            field(INPA, "sio:count NPP")
        }
        """;

    [Fact]
    public async Task Get_reads_an_ai_as_DBR_TIME_with_alarm_and_a_current_timestamp()
    {
        await using var ioc = await IocAsync();
        var ct = Deadline();
        var info = await ioc.Client.ConnectAsync("sio:ai", ct).WaitAsync(Limit, ct);
        Assert.Equal((DbrType.Double, 1, true, true), (info.NativeType, info.NativeCount, info.CanRead, info.CanWrite));
        Assert.Equal(ioc.Ioc.Port, info.Server.Port);

        using (var v = await ioc.Client.GetAsync("sio:ai", ct).WaitAsync(Limit, ct))
        {
            Assert.Equal(3.5, v["value"].GetDouble());
            Assert.Equal(CaAlarm.None, CaValues.AlarmOf(v));
            // PINI processed the record when the IOC started, a moment ago: the 1990 epoch must have been converted.
            var stamp = CaValues.TimeStampOf(v)!.Value;
            Assert.InRange(stamp, DateTimeOffset.UtcNow.AddMinutes(-2), DateTimeOffset.UtcNow.AddSeconds(5));
        }

        // Above HIHI the record itself raises a MAJOR alarm, which must come back with the value.
        await ioc.Client.PutAsync("sio:ai", 9.5, ct).WaitAsync(Limit, ct);
        using var hot = await ioc.Client.GetAsync("sio:ai", ct).WaitAsync(Limit, ct);
        Assert.Equal(9.5, hot["value"].GetDouble());
        Assert.Equal(new CaAlarm(CaSeverity.Major, CaAlarmStatus.HiHi), CaValues.AlarmOf(hot));
        Assert.Equal("HIHI", hot["alarm.message"].GetString());
    }

    [Fact]
    public async Task Ctrl_and_graphic_gets_carry_units_precision_and_limits()
    {
        await using var ioc = await IocAsync();
        var ct = Deadline();
        using var ctrl = await ioc.Client.GetAsync("sio:ai", DbrType.CtrlDouble, 0, ct).WaitAsync(Limit, ct);
        Assert.Equal(3.5, ctrl["value"].GetDouble());
        Assert.Equal("mm", ctrl["display.units"].GetString());
        Assert.Equal(3, ctrl["display.precision"].GetInt32());
        Assert.Equal((-10.0, 10.0), (ctrl["display.limitLow"].GetDouble(), ctrl["display.limitHigh"].GetDouble()));
        Assert.Equal((-10.0, 10.0), (ctrl["control.limitLow"].GetDouble(), ctrl["control.limitHigh"].GetDouble()));
        Assert.Equal(
            (-9.0, -8.0, 8.0, 9.0),
            (ctrl["valueAlarm.lowAlarmLimit"].GetDouble(), ctrl["valueAlarm.lowWarningLimit"].GetDouble(),
                ctrl["valueAlarm.highWarningLimit"].GetDouble(), ctrl["valueAlarm.highAlarmLimit"].GetDouble()));

        using var gr = await ioc.Client.GetAsync("sio:ai", DbrType.GrDouble, 0, ct).WaitAsync(Limit, ct);
        Assert.Equal(("mm", 3, 10.0), (gr["display.units"].GetString(), gr["display.precision"].GetInt32(), gr["display.limitHigh"].GetDouble()));
        Assert.False(gr.TryGetField("control", out _));

        using var lo = await ioc.Client.GetAsync("sio:lo", DbrType.CtrlLong, 0, ct).WaitAsync(Limit, ct);
        Assert.Equal(5, lo["value"].GetInt32());
        Assert.Equal((0.0, 100.0), (lo["control.limitLow"].GetDouble(), lo["control.limitHigh"].GetDouble()));
    }

    [Fact]
    public async Task Waveform_of_doubles_is_written_and_read_back()
    {
        await using var ioc = await IocAsync();
        var ct = Deadline();
        var info = await ioc.Client.ConnectAsync("sio:wf", ct).WaitAsync(Limit, ct);
        Assert.Equal((DbrType.Double, 8), (info.NativeType, info.NativeCount));

        await ioc.Client.PutAsync("sio:wf", new[] { 1.5, -2.25, 1e10 }, ct).WaitAsync(Limit, ct);
        // Count 0 asks RSRV for the current length (NORD), count 8 for the whole buffer (zero filled).
        using var current = await ioc.Client.GetAsync("sio:wf", ct).WaitAsync(Limit, ct);
        Assert.Equal("epics:nt/NTScalarArray:1.0", current.Type.Id);
        Assert.Equal([1.5, -2.25, 1e10], current["value"].GetArray().ToArray<double>());
        Assert.NotNull(CaValues.TimeStampOf(current));
        using var all = await ioc.Client.GetAsync("sio:wf", DbrType.TimeDouble, 8, ct).WaitAsync(Limit, ct);
        Assert.Equal([1.5, -2.25, 1e10, 0, 0, 0, 0, 0], all["value"].GetArray().ToArray<double>());
        using var two = await ioc.Client.GetAsync("sio:wf", DbrType.Double, 2, ct).WaitAsync(Limit, ct);
        Assert.Equal([1.5, -2.25], two["value"].GetArray().ToArray<double>());
    }

    [Fact]
    public async Task Mbbi_gives_its_state_strings_and_accepts_a_state_name()
    {
        await using var ioc = await IocAsync();
        var ct = Deadline();
        var info = await ioc.Client.ConnectAsync("sio:mbbi", ct).WaitAsync(Limit, ct);
        Assert.Equal(DbrType.Enum, info.NativeType);

        using (var ctrl = await ioc.Client.GetAsync("sio:mbbi", DbrType.CtrlEnum, 0, ct).WaitAsync(Limit, ct))
        {
            Assert.Equal("epics:nt/NTEnum:1.0", ctrl.Type.Id);
            Assert.Equal(1, ctrl["value.index"].GetInt32());
            Assert.Equal(["Zero", "One", "Two"], ctrl["value.choices"].GetArray().ToArray<string>());
        }

        using (var text = await ioc.Client.GetAsync("sio:mbbi", DbrType.TimeString, 0, ct).WaitAsync(Limit, ct))
        {
            Assert.Equal("One", text["value"].GetString());
        }

        await ioc.Client.PutAsync("sio:mbbi", "Two", ct).WaitAsync(Limit, ct);
        using var native = await ioc.Client.GetAsync("sio:mbbi", ct).WaitAsync(Limit, ct);
        Assert.Equal(2, native["value"].GetInt32());
    }

    [Fact]
    public async Task Stringin_is_read_and_written_as_text()
    {
        await using var ioc = await IocAsync();
        var ct = Deadline();
        using (var v = await ioc.Client.GetAsync("sio:si", ct).WaitAsync(Limit, ct))
        {
            Assert.Equal(ScalarType.String, v["value"].Type.ScalarType);
            Assert.Equal("hello world", v["value"].GetString());
        }

        await ioc.Client.PutAsync("sio:si", "written by pvstream", ct).WaitAsync(Limit, ct);
        using var after = await ioc.Client.GetAsync("sio:si", ct).WaitAsync(Limit, ct);
        Assert.Equal("written by pvstream", after["value"].GetString());
    }

    [Fact]
    public async Task Put_to_a_longout_is_clamped_by_its_DRVH()
    {
        await using var ioc = await IocAsync();
        var ct = Deadline();
        await ioc.Client.PutAsync("sio:lo", 42, ct).WaitAsync(Limit, ct);
        using (var v = await ioc.Client.GetAsync("sio:lo", ct).WaitAsync(Limit, ct))
        {
            Assert.Equal(ScalarType.Int, v["value"].Type.ScalarType);
            Assert.Equal(42, v["value"].GetInt32());
        }

        await ioc.Client.PutAsync("sio:lo", 1000, ct).WaitAsync(Limit, ct);
        using var clamped = await ioc.Client.GetAsync("sio:lo", ct).WaitAsync(Limit, ct);
        Assert.Equal(100, clamped["value"].GetInt32());
    }

    [Fact]
    public async Task Put_to_a_disabled_record_fails_with_ECA_PUTFAIL()
    {
        await using var ioc = await IocAsync();
        var ct = Deadline();
        var e = await Assert.ThrowsAsync<CaStatusException>(() => ioc.Client.PutAsync("sio:disabled", 3.0, ct).WaitAsync(Limit, ct));
        Assert.Equal(EcaStatus.PutFail, e.Status);
        Assert.Equal("sio:disabled", e.Channel);
        Assert.Contains("sio:disabled", e.Message);

        // The refusal is per request: the channel and circuit stay usable.
        using var v = await ioc.Client.GetAsync("sio:disabled", ct).WaitAsync(Limit, ct);
        Assert.Equal(1.0, v["value"].GetDouble());
    }

    [Fact]
    public async Task Monitor_sees_a_scanned_counter_increase()
    {
        await using var ioc = await IocAsync();
        using var cts = new CancellationTokenSource(Limit);
        var values = new List<double>();
        await using (var updates = ioc.Client.MonitorAsync("sio:count", cts.Token).GetAsyncEnumerator(cts.Token))
        {
            while (values.Count < 5)
            {
                Assert.True(await updates.MoveNextAsync().AsTask().WaitAsync(Limit, cts.Token));
                using var u = updates.Current;
                values.Add(u["value"].GetDouble());
            }
        }

        for (var i = 1; i < values.Count; i++)
        {
            Assert.True(values[i] > values[i - 1], string.Join(",", values));
        }
    }

    [Fact]
    public async Task Monitor_reports_a_killed_ioc_and_resumes_when_it_restarts_on_the_same_port()
    {
        var path = SoftIoc.Require();
        var dir = Directory.CreateTempSubdirectory("pvstream-softIoc-");
        try
        {
            var db = await WriteDbAsync(dir);
            var port = SoftIoc.FreePort();
            var ioc = await SoftIoc.StartAsync(path, db, port);
            await using var client = new CaClient(SoftIoc.ClientOptions(port) with { ConnectTimeout = TimeSpan.FromSeconds(2) });
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await using var subscription = client.Subscribe("sio:count");
            var changes = System.Threading.Channels.Channel.CreateUnbounded<bool>();
            subscription.ConnectionChanged += (_, connected) => changes.Writer.TryWrite(connected);
            async Task<PvValue> NextAsync() =>
                await subscription.ReadAsync(cts.Token).AsTask().WaitAsync(Limit, cts.Token) ?? throw new InvalidOperationException("monitor ended");

            double last = 0;
            try
            {
                // Far ahead of where a fresh IOC's count will be, so values after the restart are told apart.
                await client.PutAsync("sio:count", 1000, cts.Token).WaitAsync(Limit, cts.Token);
                while (last < 1000)
                {
                    using var u = await NextAsync();
                    last = u["value"].GetDouble();
                }

                Assert.True(await changes.Reader.ReadAsync(cts.Token).AsTask().WaitAsync(Limit, cts.Token));
                await ioc.KillAsync();
            }
            finally
            {
                await ioc.DisposeAsync();
            }

            // Exactly one disconnect is reported, as an event: no value stands for it.
            Assert.False(await changes.Reader.ReadAsync(cts.Token).AsTask().WaitAsync(Limit, cts.Token));
            Assert.False(subscription.IsConnected);

            // While it is down a get cannot connect: a timeout naming the channel, no hang.
            var down = await Assert.ThrowsAsync<CaTimeoutException>(() => client.GetAsync("sio:count", DbrType.Double, 1, cts.Token).WaitAsync(Limit, cts.Token));
            Assert.Equal("sio:count", down.Channel);

            await using var restarted = await SoftIoc.StartAsync(path, db, port);
            Assert.True(await changes.Reader.ReadAsync(cts.Token).AsTask().WaitAsync(Limit, cts.Token));
            while (true)
            {
                // Updates queued before the kill may come first; a fresh IOC counts from 0 again.
                using var u = await NextAsync();
                if (u["value"].GetDouble() < last)
                {
                    Assert.Equal(CaAlarm.None, CaValues.AlarmOf(u));
                    break;
                }

                last = u["value"].GetDouble();
            }

            using (var u = await NextAsync())
            {
                Assert.Equal(CaAlarm.None, CaValues.AlarmOf(u));
            }

            using var got = await client.GetAsync("sio:ai", cts.Token).WaitAsync(Limit, cts.Token);
            Assert.Equal(3.5, got["value"].GetDouble());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static CancellationToken Deadline() => new CancellationTokenSource(Limit).Token;

    private static async Task<string> WriteDbAsync(DirectoryInfo dir)
    {
        var db = Path.Combine(dir.FullName, "test.db");
        await File.WriteAllTextAsync(db, Db);
        return db;
    }

    private static async Task<Running> IocAsync()
    {
        var path = SoftIoc.Require();
        var dir = Directory.CreateTempSubdirectory("pvstream-softIoc-");
        try
        {
            var port = SoftIoc.FreePort();
            var ioc = await SoftIoc.StartAsync(path, await WriteDbAsync(dir), port);
            return new Running(ioc, new CaClient(SoftIoc.ClientOptions(port)), dir);
        }
        catch
        {
            dir.Delete(recursive: true);
            throw;
        }
    }

    private sealed record Running(SoftIoc Ioc, CaClient Client, DirectoryInfo Dir) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Client.DisposeAsync();
            await Ioc.DisposeAsync();
            Dir.Delete(recursive: true);
        }
    }
}
