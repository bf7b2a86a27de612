using Epics.Ca.Protocol;
using Epics.Ca.Server;
using Epics.Pva.Data;

namespace Epics.Ca.Tests;

/// <summary>DBR payloads captured from a softIoc decode to the values caget/camonitor printed, and we encode the same bytes.</summary>
public sealed class DbrCodecTests
{
    private static (CaHeader Header, byte[] Payload) Reply(string file, int command, int nth = 0)
    {
        var bytes = Conformance.Find(file, command, "s", nth);
        Assert.True(CaMessageReader.TryParse(bytes, 1 << 20, out var m, out _));
        return (m.Header, m.Payload.ToArray());
    }

    [Fact]
    public void Time_double_update_decodes_value_alarm_and_posix_time()
    {
        var (h, payload) = Reply("ai/camonitor.json", CaCommand.EventAdd, 1);
        var v = DbrCodec.Decode((DbrType)h.DataType, (int)h.Count, payload, asArray: false);
        Assert.Equal("epics:nt/NTScalar:1.0", v.Type.Id);
        Assert.Equal(6.5, v["value"].GetDouble());
        Assert.Equal(ScalarType.Double, v["value"].Type.ScalarType);
        Assert.Equal(1, v["alarm.severity"].GetInt32());
        Assert.Equal("HIGH", v["alarm.message"].GetString());
        Assert.Equal(3, v["alarm.status"].GetInt32()); // RECORD
        Assert.Equal(0x456650A2L + 631152000L, v["timeStamp.secondsPastEpoch"].GetInt64());
        Assert.Equal(0x087FD291, v["timeStamp.nanoseconds"].GetInt32());
        // camonitor printed 2026-11-24 01:53:38.142595 (UTC on the capture host)
        Assert.Equal("2026-11-24 01:53:38.142594", CaValues.TimeStampOf(v)!.Value.ToString("yyyy-MM-dd HH:mm:ss.ffffff",
            System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(new CaAlarm(CaSeverity.Minor, CaAlarmStatus.High), CaValues.AlarmOf(v));
    }

    [Fact]
    public void Time_double_encodes_like_rsrv_apart_from_the_garbage_pad()
    {
        var (h, expected) = Reply("ai/camonitor.json", CaCommand.EventAdd, 2);
        expected.AsSpan(12, 4).Clear(); // RISC_pad: RSRV leaves stack garbage there
        var source = new DbrSource([9.0], new CaAlarm(CaSeverity.Major, CaAlarmStatus.HiHi), 0x456650A2, 0x325274CF,
            CaPvMetadata.Default, "ai");
        Assert.Equal(expected, DbrCodec.Encode((DbrType)h.DataType, 1, source));
    }

    [Fact]
    public void Ctrl_double_decodes_units_precision_and_limits_and_encodes_back()
    {
        var (h, payload) = Reply("ai/caget-DBR_CTRL_DOUBLE.json", CaCommand.ReadNotify);
        var v = DbrCodec.Decode((DbrType)h.DataType, (int)h.Count, payload, false);
        Assert.Equal(3.5, v["value"].GetDouble());
        Assert.Equal("UDF", v["alarm.message"].GetString());
        Assert.Equal(6, v["alarm.status"].GetInt32());
        Assert.Equal("mm", v["display.units"].GetString());
        Assert.Equal(3, v["display.precision"].GetInt32());
        Assert.Equal((-10.0, 10.0), (v["display.limitLow"].GetDouble(), v["display.limitHigh"].GetDouble()));
        Assert.Equal((-8.0, -6.0, 6.0, 8.0), (v["valueAlarm.lowAlarmLimit"].GetDouble(), v["valueAlarm.lowWarningLimit"].GetDouble(),
            v["valueAlarm.highWarningLimit"].GetDouble(), v["valueAlarm.highAlarmLimit"].GetDouble()));
        Assert.Equal((-10.0, 10.0), (v["control.limitLow"].GetDouble(), v["control.limitHigh"].GetDouble()));

        var meta = new CaPvMetadata
        {
            Units = "mm", Precision = 3, DisplayLow = -10, DisplayHigh = 10, AlarmLow = -8, WarningLow = -6, WarningHigh = 6, AlarmHigh = 8,
            ControlLow = -10, ControlHigh = 10,
        };
        payload.AsSpan(6, 2).Clear(); // RISC_pad0
        var encoded = DbrCodec.Encode(DbrType.CtrlDouble, 1, new DbrSource([3.5], new CaAlarm(0, CaAlarmStatus.Udf), 0, 0, meta, "ai"));
        Assert.Equal(payload, encoded);
    }

    [Fact]
    public void Ctrl_long_and_time_long_decode_as_int()
    {
        var (h, payload) = Reply("lo/caget-DBR_CTRL_LONG.json", CaCommand.ReadNotify);
        var v = DbrCodec.Decode((DbrType)h.DataType, (int)h.Count, payload, false);
        Assert.Equal(ScalarType.Int, v["value"].Type.ScalarType);
        Assert.Equal(5, v["value"].GetInt32());
        Assert.Equal(100.0, v["control.limitHigh"].GetDouble());
        Assert.Equal(0, v["display.precision"].GetInt32());

        var (h2, p2) = Reply("lo/caput-clamped.json", CaCommand.ReadNotify, 1);
        Assert.Equal(100, DbrCodec.Decode((DbrType)h2.DataType, (int)h2.Count, p2, false)["value"].GetInt32());
    }

    [Fact]
    public void Ctrl_enum_decodes_to_an_NTEnum_with_choices()
    {
        var (h, payload) = Reply("mbbi/caget-DBR_CTRL_ENUM.json", CaCommand.ReadNotify);
        var v = DbrCodec.Decode((DbrType)h.DataType, (int)h.Count, payload, false);
        Assert.Equal("epics:nt/NTEnum:1.0", v.Type.Id);
        Assert.Equal(1, v["value.index"].GetInt32());
        Assert.Equal(["Zero", "One", "Two", "Three"], v["value.choices"].GetArray().Strings.ToArray());
    }

    [Fact]
    public void Time_string_decodes_text()
    {
        var (h, payload) = Reply("si/camonitor.json", CaCommand.EventAdd, 2);
        var v = DbrCodec.Decode((DbrType)h.DataType, (int)h.Count, payload, false);
        Assert.Equal("monitor update", v["value"].GetString());
        var (h2, p2) = Reply("mbbi/caget.json", CaCommand.ReadNotify);
        Assert.Equal("One", DbrCodec.Decode((DbrType)h2.DataType, (int)h2.Count, p2, false)["value"].GetString());
    }

    [Fact]
    public void Waveform_updates_decode_as_double_arrays_of_the_sent_count()
    {
        var (h, payload) = Reply("wf/camonitor.json", CaCommand.EventAdd, 0);
        var v = DbrCodec.Decode((DbrType)h.DataType, (int)h.Count, payload, true);
        Assert.Equal("epics:nt/NTScalarArray:1.0", v.Type.Id);
        Assert.Equal([1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5, 10.5], v["value"].GetArray().ToArray<double>());
        var (h2, p2) = Reply("wf/camonitor.json", CaCommand.EventAdd, 1);
        Assert.Equal([1.0, 2, 3], DbrCodec.Decode((DbrType)h2.DataType, (int)h2.Count, p2, true)["value"].GetArray().ToArray<double>());

        var encoded = DbrCodec.Encode(DbrType.TimeDouble, 3, new DbrSource([1, 2, 3], default, 0x456650A8, 0x084295A9, CaPvMetadata.Default, "x"));
        p2.AsSpan(12, 4).Clear();
        Assert.Equal(p2, encoded);
    }

    [Fact]
    public void Server_reads_caput_payloads_including_short_strings()
    {
        var (_, single) = Split(Conformance.Find("ai/caput.json", CaCommand.Write, "c"));
        Assert.True(DbrCodec.TryDecodeDoubles(DbrType.String, 1, single, out var one));
        Assert.Equal([4.25], one);
        var (_, three) = Split(Conformance.Find("wf/caput-a.json", CaCommand.Write, "c"));
        Assert.True(DbrCodec.TryDecodeDoubles(DbrType.String, 3, three, out var many));
        Assert.Equal([0.5, 1.5, 2.5], many);
        Assert.False(DbrCodec.TryDecodeDoubles(DbrType.String, 1, "abc\0"u8, out _));
        Assert.False(DbrCodec.TryDecodeDoubles(DbrType.Double, 2, new byte[8], out _));
    }

    [Theory]
    [InlineData(DbrType.String, "2.500")]
    [InlineData(DbrType.Short, "2")]
    [InlineData(DbrType.Float, "2.5")]
    [InlineData(DbrType.Long, "2")]
    [InlineData(DbrType.Char, "2")]
    [InlineData(DbrType.Enum, "2")]
    public void A_double_pv_converts_to_every_plain_type_and_family(DbrType plain, string expected)
    {
        var meta = new CaPvMetadata { Precision = 3, Units = "V", ControlHigh = 5 };
        foreach (var family in Enum.GetValues<DbrFamily>())
        {
            var type = plain.InFamily(family);
            var bytes = DbrCodec.Encode(type, 1, new DbrSource([2.5], new CaAlarm(CaSeverity.Minor, CaAlarmStatus.High), 100, 5, meta, "ai"));
            Assert.NotNull(bytes);
            Assert.Equal(0, bytes.Length % 8);
            var v = DbrCodec.Decode(type, 1, bytes, false);
            var text = v.TryGetField("value.index", out var index) ? index.GetString() : v["value"].GetString();
            Assert.Equal(expected, text);
            if (family != DbrFamily.Plain)
            {
                Assert.Equal(1, v["alarm.severity"].GetInt32());
            }

            if (family == DbrFamily.Control && plain is not (DbrType.String or DbrType.Enum))
            {
                Assert.Equal(5, v["control.limitHigh"].GetDouble());
                Assert.Equal("V", v["display.units"].GetString());
            }
        }
    }

    [Fact]
    public void Payload_shorter_than_the_count_is_a_protocol_error()
    {
        Assert.Throws<CaProtocolException>(() => DbrCodec.Decode(DbrType.TimeDouble, 2, new byte[24], true));
    }

    [Fact]
    public void Dbr_type_names_parse_and_print()
    {
        Assert.Equal("DBR_CTRL_DOUBLE", DbrType.CtrlDouble.CName());
        Assert.Equal("DBF_DOUBLE", DbrType.Double.CName(asField: true));
        Assert.True(DbrTypes.TryParse("time_long", out var t));
        Assert.Equal(DbrType.TimeLong, t);
        Assert.True(DbrTypes.TryParse("DBR_STS_INT", out t));
        Assert.Equal(DbrType.StsShort, t);
        Assert.Equal(DbrType.TimeEnum, DbrType.Enum.Time());
        Assert.False(DbrTypes.TryParse("nonsense", out _));
    }

    private static (CaHeader, byte[]) Split(byte[] message)
    {
        Assert.True(CaMessageReader.TryParse(message, 1 << 20, out var m, out _));
        return (m.Header, m.Payload.ToArray());
    }
}
