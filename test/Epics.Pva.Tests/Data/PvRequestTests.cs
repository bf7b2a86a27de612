using Epics.Pva.Data;
using Epics.Pva.Data.NT;

namespace Epics.Pva.Tests.Data;

public class PvRequestTests
{
    private static string Shape(PvValue request) => request.Type.ToString();

    [Fact]
    public void Bare_field_list_is_wrapped_in_field()
    {
        var r = PvRequest.Parse("value, alarm");
        Assert.Equal("structure\n    structure field\n        structure value\n        structure alarm\n", Shape(r));
        Assert.Equal(Shape(PvRequest.Parse("field(value,alarm)")), Shape(r));
    }

    [Fact]
    public void Nested_paths_and_braces_merge_into_one_tree()
    {
        var r = PvRequest.Parse("field(alarm.severity,timeStamp{secondsPastEpoch,nanoseconds},alarm.status)");
        Assert.Equal(
            "structure\n    structure field\n        structure alarm\n            structure severity\n            structure status\n" +
            "        structure timeStamp\n            structure secondsPastEpoch\n            structure nanoseconds\n", Shape(r));
    }

    [Fact]
    public void Record_options_are_strings_in_order()
    {
        var r = PvRequest.Parse("record[queueSize=100, pipeline=true]field()");
        Assert.Equal("structure\n    structure record\n        structure _options\n            string queueSize\n            string pipeline\n" +
                     "    structure field\n", Shape(r));
        Assert.Equal("100", r["record._options.queueSize"].GetString());
        Assert.Equal("true", r["record._options.pipeline"].GetString());
        Assert.Equal(string.Empty, r.Type["record"]!.Id);
    }

    [Fact]
    public void Per_field_options_and_put_get_sections_parse()
    {
        var r = PvRequest.Parse("putField(value)getField(value[array=1:3],alarm)record[process=true]");
        Assert.Equal("1:3", r["getField.value._options.array"].GetString());
        Assert.Equal("true", r["record._options.process"].GetString());
        Assert.Equal(["putField", "getField", "record"], r.Type.Members.Select(m => m.Name));
        Assert.Equal(["_options"], r.Type["getField"]!["value"]!.Members.Select(m => m.Name));
    }

    [Theory]
    [InlineData("_[distributor=group:g;set:s;trigger:uniqueId;updates:3;mode:one]", "distributor")]
    [InlineData("record[queueSize=100]field(_[pydistributor=updates:1])", "pydistributor")]
    public void Distributor_plugin_form_becomes_field_underscore_options(string text, string plugin)
    {
        var r = PvRequest.Parse(text);
        Assert.True(r.TryGetField("field._._options." + plugin, out var f));
        Assert.Equal(TypeKind.Scalar, f.Type.Kind);
        var sel = PvRequest.Interpret(r, NTNDArray.TypeFor());
        Assert.True(sel.SelectsAll);
        Assert.NotNull(sel.Distributor);
        Assert.Equal(plugin, sel.Distributor!.PluginName);
    }

    [Fact]
    public void Distributor_options_parse_like_the_plugin()
    {
        var d = PvDistributorOptions.Parse(" Group:G1 ; setx:A;trigger:uniqueId;updates:3x;mode:ALL;junk;foo:bar");
        Assert.Equal("G1", d.Group);
        Assert.Equal("A", d.Set);
        Assert.Equal("uniqueId", d.Trigger);
        Assert.Equal(3, d.Updates);
        Assert.Equal(PvDistributorMode.All, d.EffectiveMode);
        var defaults = PvDistributorOptions.Parse("updates:abc");
        Assert.False(defaults.IsEnabled);
        Assert.Equal(("default", "default", "timeStamp", PvDistributorMode.One), (defaults.EffectiveGroup, defaults.EffectiveSet, defaults.EffectiveTrigger, defaults.EffectiveMode));
        Assert.Equal(PvDistributorMode.All, PvDistributorOptions.Parse("set:S").EffectiveMode);
    }

    [Theory]
    [InlineData("field(value", "expected ')' but the text ended at position 11")]
    [InlineData("field(value,)", "expected a field name but found ')' at position 12")]
    [InlineData("record[queueSize]", "option 'queueSize' needs '=value' at position 7")]
    [InlineData("field(a{b)", "expected '}' but found ')' at position 9")]
    [InlineData("record[x=1]junk", "unknown section 'junk'")]
    public void Syntax_errors_name_the_position(string text, string message)
    {
        var e = Assert.Throws<FormatException>(() => PvRequest.Parse(text));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Builder_produces_what_the_parser_produces()
    {
        var built = PvRequest.Builder().Record("queueSize", 4).Record("pipeline", true).Field("value").FieldOption("value", "array", "1:3")
            .Field("alarm.severity").Build();
        var parsed = PvRequest.Parse("record[queueSize=4,pipeline=true]field(value[array=1:3],alarm.severity)");
        Assert.Equal(parsed.Type, built.Type);
        Assert.Equal(PvJson.Format(parsed), PvJson.Format(built));

        var dist = PvRequest.Builder().Distributor(new PvDistributorOptions { Set = "A", Updates = 3 }).Build();
        Assert.Equal("set:A;updates:3", dist["field._._options.distributor"].GetString());
    }

    [Fact]
    public void Mask_selects_fields_with_parents_and_subtrees()
    {
        var type = NTScalar.TypeFor(ScalarType.Double); // 0 top, 1 value, 2 alarm, 3-5, 6 timeStamp, 7-9
        Assert.Equal(new BitSet(0, 1, 2, 3, 4, 5), PvRequest.Interpret(PvRequest.Parse("value,alarm,nonexistent"), type).Mask);
        Assert.Equal(new BitSet(0, 6, 7), PvRequest.Interpret(PvRequest.Parse("timeStamp.secondsPastEpoch"), type).Mask);
        var all = PvRequest.Interpret(PvRequest.Parse("field()"), type);
        Assert.True(all.SelectsAll);
        Assert.Equal(10, all.Mask.Count);
        Assert.Equal(10, PvRequest.Interpret(PvRequest.Empty, type).Mask.Count);
        Assert.Equal(10, PvRequest.Interpret(null, type).Mask.Count);
        var e = Assert.Throws<ArgumentException>(() => PvRequest.Interpret(PvRequest.Parse("field(nonexistent)"), type));
        Assert.Equal("pvRequest must select at least one field", e.Message);
    }

    [Fact]
    public void Record_options_accept_strings_and_typed_values()
    {
        var type = NTScalar.TypeFor(ScalarType.Double);
        var s = PvRequest.Interpret(PvRequest.Parse("record[queueSize=4,pipeline=1,ackAny=50%,process=passive,block=true,DBE=5]"), type);
        Assert.Equal((4, true, 2, (bool?)null, true, 5), (s.QueueSize, s.Pipeline, s.AckThreshold(4), s.Process, s.Block, s.Dbe));
        Assert.Equal(4, s.AckThreshold(8));

        // pvxs sends typed options: uint32 queueSize, bool pipeline.
        var typed = new PvValue(PvType.Builder().AddStructure("record", string.Empty, r => r.Add("_options",
            PvType.Builder().Add("queueSize", ScalarType.UInt).Add("pipeline", ScalarType.Boolean).Add("process", ScalarType.Boolean).Build())).Build());
        typed["record._options.queueSize"].Set(10);
        typed["record._options.pipeline"].Set(true);
        typed["record._options.process"].Set(false);
        var t = PvRequest.Interpret(typed, type);
        Assert.Equal((10, true, (bool?)false), (t.QueueSize, t.Pipeline, t.Process));

        var bad = Assert.Throws<ArgumentException>(() => PvRequest.Interpret(PvRequest.Parse("record[pipeline=maybe]"), type));
        Assert.Contains("pipeline='maybe' is not a boolean", bad.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Field_options_are_collected_by_path()
    {
        var s = PvRequest.Interpret(PvRequest.Parse("field(value[array=1:3,deadband=abs:0.5])"), NTScalarArray.TypeFor(ScalarType.Double));
        Assert.Equal("1:3", s.FieldOptions["value"]["array"]);
        Assert.Equal("abs:0.5", s.FieldOptions["value"]["deadband"]);
        Assert.Null(s.Distributor);
    }
}
