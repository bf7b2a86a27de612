using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Epics.Pva.Data;
using Epics.Pva.Data.NT;

namespace Epics.Pva.Tests.Data;

public class PvValueAssignTests
{
    [Fact]
    public void An_NTNDArray_is_assigned_across_layouts_by_field_name()
    {
        var source = NTNDArray.Create(NTNDArrayLayout.NormativeTypes);
        var pixels = new ushort[] { 1, 2, 3, 4, 5, 6 };
        source.SetImage(PvArray.Wrap(pixels));
        source.SetDimensions(3, 2);
        source.UniqueId = 42;
        source.Descriptor = "from the detector";
        source.SetCodec("lz4", ScalarType.UShort);
        source.SetAttributes(source.NewAttribute("Exposure", 0.25, "seconds"), source.NewAttribute("Label", "dark"));

        // pvaPy's layout: union members in another order, attributes with tags, alarm and timeStamp.
        var target = NTNDArray.Create(NTNDArrayLayout.PvaPy);
        target.Structure.Changed.Clear();
        target.Structure.Assign(source.Structure);

        Assert.Equal(42, target.UniqueId);
        Assert.Equal("from the detector", target.Descriptor);
        Assert.Equal("lz4", target.CodecName);
        Assert.Equal(ScalarType.UShort, target.CodecOriginalType);
        Assert.Equal([3, 2], target.Shape);
        Assert.Equal(ScalarType.UShort, target.ElementType);
        Assert.Equal("ushortValue", target.ValueField.SelectedName);
        Assert.True(Unsafe.AreSame(ref MemoryMarshal.GetReference(source.Image.AsSpan<ushort>()), ref MemoryMarshal.GetReference(target.Image.AsSpan<ushort>())),
            "the pixels are shared, not copied");
        Assert.Equal(["Exposure", "Label"], target.Attributes.Select(a => a.Name));
        Assert.Equal(0.25, target.Attributes[0].Value);
        Assert.Equal("seconds", target.Attributes[0].Structure["descriptor"].GetString());
        Assert.Equal("dark", target.Attributes[1].Value);
        Assert.True(target.Structure["uniqueId"].IsChanged);
        Assert.True(target.Structure["value"].IsChanged);
        Assert.True(target.Structure["attribute"].IsChanged);

        // Back into the pvxs layout, which has no descriptor or display: those are skipped, the rest arrives.
        var pvxs = NTNDArray.Create(NTNDArrayLayout.Pvxs);
        pvxs.Structure.Assign(target.Structure);
        Assert.Equal(42, pvxs.UniqueId);
        Assert.Equal([3, 2], pvxs.Shape);
        Assert.Equal(pixels, pvxs.Image.ToArray<ushort>());
        Assert.Equal(["Exposure", "Label"], pvxs.Attributes.Select(a => a.Name));
    }

    [Fact]
    public void Fields_the_source_lacks_are_left_untouched_and_unmarked()
    {
        var target = new PvValue(PvType.Builder("t").Add("a", ScalarType.Int).Add("b", ScalarType.String)
            .AddStructure("s", "s_t", s => s.Add("x", ScalarType.Double).Add("y", ScalarType.Double)).Build());
        target["b"].Set("keep");
        target["s.y"].Set(2.5);
        target.Changed.Clear();
        var source = new PvValue(PvType.Builder("u").Add("a", ScalarType.Int).AddStructure("s", "other", s => s.Add("x", ScalarType.Double))
            .Add("extra", ScalarType.Long).Build());
        source["a"].Set(7);
        source["s.x"].Set(1.5);

        target.Assign(source);
        Assert.Equal(7, target["a"].GetInt32());
        Assert.Equal(1.5, target["s.x"].GetDouble());
        Assert.Equal("keep", target["b"].GetString());
        Assert.Equal(2.5, target["s.y"].GetDouble());
        Assert.True(target["a"].IsChanged);
        Assert.True(target["s.x"].IsChanged);
        Assert.False(target["b"].IsChanged);
        Assert.False(target["s.y"].IsChanged);
    }

    [Fact]
    public void Scalars_and_arrays_convert_between_types()
    {
        var target = new PvValue(PvType.Builder("t").Add("i", ScalarType.Int).Add("d", ScalarType.Double).Add("s", ScalarType.String)
            .Add("b", ScalarType.Boolean).AddArray("arr", ScalarType.Double).Build());
        var source = new PvValue(PvType.Builder("u").Add("i", ScalarType.String).Add("d", ScalarType.Int).Add("s", ScalarType.Double)
            .Add("b", ScalarType.Int).AddArray("arr", ScalarType.Short).Build());
        source["i"].Set("12");
        source["d"].Set(3);
        source["s"].Set(1.25);
        source["b"].Set(1);
        source["arr"].Set(new short[] { 1, -2 });

        target.Assign(source);
        Assert.Equal(12, target["i"].GetInt32());
        Assert.Equal(3.0, target["d"].GetDouble());
        Assert.Equal("1.25", target["s"].GetString());
        Assert.True(target["b"].GetBoolean());
        Assert.Equal([1.0, -2.0], target["arr"].GetArray().ToArray<double>());
    }

    [Fact]
    public void Same_named_fields_of_incompatible_kinds_are_refused_with_the_path()
    {
        var target = new PvValue(PvType.Builder("t").AddStructure("s", "s_t", s => s.Add("x", ScalarType.Int)).Build());
        var source = new PvValue(PvType.Builder("u").AddStructure("s", "s_t", s => s.AddArray("x", ScalarType.Int)).Build());
        var e = Assert.Throws<ArgumentException>(() => target.Assign(source));
        Assert.Contains("'s.x'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_changed_fields_are_copied_when_asked()
    {
        var type = PvType.Builder("t").Add("a", ScalarType.Int).Add("b", ScalarType.Int).Build();
        var target = new PvValue(type);
        var source = new PvValue(PvType.Builder("u").Add("b", ScalarType.Long).Add("a", ScalarType.Long).Build());
        source["a"].Set(1);
        source["b"].Set(2);
        source.Changed.Clear();
        source["b"].Set(3);

        target.Assign(source, onlyChanged: true);
        Assert.Equal(0, target["a"].GetInt32());
        Assert.Equal(3, target["b"].GetInt32());
        Assert.False(target["a"].IsChanged);
    }

    [Fact]
    public void A_union_selects_the_member_of_the_same_name_and_an_empty_union_clears()
    {
        var target = new PvValue(PvType.Builder("t").Add("u", PvType.Union("", new PvMember("a", PvType.Int), new PvMember("b", PvType.Scalar(ScalarType.String)))).Build());
        var source = new PvValue(PvType.Builder("t").Add("u", PvType.Union("", new PvMember("b", PvType.Scalar(ScalarType.Double)), new PvMember("c", PvType.Int))).Build());
        source["u"].Select("b").Set(2.5);
        target.Assign(source);
        Assert.Equal("b", target["u"].SelectedName);
        Assert.Equal("2.5", target["u"].Content!.Root.GetString());

        source["u"].Select(-1);
        target.Assign(source);
        Assert.Null(target["u"].SelectedName);

        source["u"].Select("c").Set(1);
        Assert.Throws<ArgumentException>(() => target.Assign(source));
    }

    [Fact]
    public void Identical_types_copy_everything_and_share_arrays()
    {
        var type = PvType.Builder("t").AddArray("a", ScalarType.Float).Build();
        var source = new PvValue(type);
        source["a"].Set(new float[] { 1, 2 });
        var target = new PvValue(type);
        target.Assign(source);
        Assert.True(Unsafe.AreSame(ref MemoryMarshal.GetReference(source["a"].GetArray().AsSpan<float>()),
            ref MemoryMarshal.GetReference(target["a"].GetArray().AsSpan<float>())));
        Assert.True(target["a"].IsChanged);
    }
}
