using Epics.Pva.Data;
using Epics.Pva.Data.NT;

namespace Epics.Pva.Tests.Data;

public class PvValueParserTests
{
    [Fact]
    public void Bare_value_goes_to_value_and_marks_only_it()
    {
        var nt = NTScalar.Create(ScalarType.Double);
        var changed = PvValueParser.Apply(nt.Structure, ["4.25"]);
        Assert.Equal(4.25, nt.Value);
        Assert.Equal(new BitSet(1), changed);
        PvValueParser.Apply(nt.Structure, ["value=5.75"]);
        Assert.Equal(5.75, nt.Value);
    }

    [Fact]
    public void Field_pairs_set_nested_fields()
    {
        var nt = NTScalar.Create(ScalarType.Int);
        var changed = PvValueParser.Apply(nt.Structure, ["value=3", "alarm.severity=2", "alarm.message=HIHI"]);
        Assert.Equal((3, AlarmSeverity.Major, "HIHI"), ((int)nt.Value, nt.Alarm.Severity, nt.Alarm.Message));
        Assert.Equal(new BitSet(1, 3, 5), changed);
    }

    [Fact]
    public void Arrays_from_brackets_pairs_and_words()
    {
        var wf = NTScalarArray.Create(ScalarType.Double);
        PvValueParser.Apply(wf.Structure, ["[0.5,1.5,2.5]"]);
        Assert.Equal([0.5, 1.5, 2.5], wf.Value.ToArray<double>());
        PvValueParser.Apply(wf.Structure, ["value=[9,8,7,6]"]);
        Assert.Equal([9.0, 8, 7, 6], wf.Value.ToArray<double>());
        PvValueParser.Apply(wf.Structure, ["2", "1.0", "2.0"]); // pvput's leading count
        Assert.Equal([1.0, 2.0], wf.Value.ToArray<double>());
        var names = NTScalarArray.Create(ScalarType.String);
        PvValueParser.Apply(names.Structure, ["[a, b c]"]);
        Assert.Equal(["a", "b c"], names.Value.ToArray<string>());
    }

    [Fact]
    public void Json_object_sets_the_control_structure()
    {
        var v = new PvValue(PvFormatterTests.ControlType);
        PvValueParser.Apply(v, ["{\"command\":\"configure\",\"args\":\"{\\\"x\\\":100}\"}"]);
        Assert.Equal("configure", v["command"].GetString());
        Assert.Equal("{\"x\":100}", v["args"].GetString());
        Assert.Equal(new BitSet(v.Type.OffsetOf("command"), v.Type.OffsetOf("args")), v.Changed);
        PvValueParser.Apply(v, ["command=get_stats"]);
        Assert.Equal("get_stats", v["command"].GetString());
        PvValueParser.Apply(v, ["objectTimestamp={\"secondsPastEpoch\":5}"]);
        Assert.Equal(5, v["objectTimestamp.secondsPastEpoch"].GetInt64());
    }

    [Fact]
    public void Enum_takes_a_choice_or_an_index()
    {
        var e = NTEnum.Create("Zero", "One", "Two", "Three");
        PvValueParser.Apply(e.Structure, ["Two"]);
        Assert.Equal(2, e.Index);
        PvValueParser.Apply(e.Structure, ["value.index=0"]);
        Assert.Equal(0, e.Index);
        PvValueParser.Apply(e.Structure, ["3"]);
        Assert.Equal(3, e.Index);

        // A put structure without choices uses the server's current value for the names.
        var put = new PvValue(NTEnum.TypeFor());
        PvValueParser.Apply(put, ["One"], current: e.Structure);
        Assert.Equal(1, put["value.index"].GetInt32());
        Assert.Contains("not one of the choices", Assert.Throws<FormatException>(() => PvValueParser.Apply(e.Structure, ["Four"])).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("uniqueId=notanumber", "'uniqueId': 'notanumber' is not a number (int)")]
    [InlineData("nosuch=1", "no field 'nosuch'")]
    [InlineData("uniqueId=3000000000", "out of range for int")]
    [InlineData("codec=x", "'codec' is a codec_t; give its value as JSON")]
    public void Bad_input_gives_one_clear_error(string argument, string message)
    {
        var frame = NTNDArray.Create();
        var e = Assert.Throws<FormatException>(() => PvValueParser.Apply(frame.Structure, [argument]));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mixing_bare_values_and_pairs_is_an_error_but_a_string_value_may_contain_equals()
    {
        var nt = NTScalar.Create(ScalarType.Double);
        Assert.Contains("cannot mix", Assert.Throws<FormatException>(() => PvValueParser.Apply(nt.Structure, ["1", "value=2"])).Message, StringComparison.Ordinal);
        Assert.Contains("several values", Assert.Throws<FormatException>(() => PvValueParser.Apply(nt.Structure, ["1", "2"])).Message, StringComparison.Ordinal);
        var s = NTScalar.Create(ScalarType.String);
        PvValueParser.Apply(s.Structure, ["a=b"]);
        Assert.Equal("a=b", s.ValueField.GetString());
    }
}
