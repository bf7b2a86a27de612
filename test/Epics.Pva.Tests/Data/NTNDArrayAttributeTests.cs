using Epics.Pva.Data.NT;

namespace Epics.Pva.Tests.Data;

public class NTNDArrayAttributeTests
{
    private static NTNDArray WithAttributes(NTNDArrayLayout layout = NTNDArrayLayout.PvaPy)
    {
        var frame = NTNDArray.Create(layout);
        frame.SetAttributes(
            frame.NewAttribute("ColorMode", 0),
            frame.NewAttribute("Exposure", 0.5, "seconds"),
            frame.NewAttribute("Detector", "sim"));
        return frame;
    }

    [Fact]
    public void Lookups_by_name_are_ordinal_and_allocate_nothing()
    {
        var frame = WithAttributes();
        Assert.True(frame.TryGetAttribute("Exposure", out _)); // finds the offsets of this type
        ReadOnlySpan<char> name = "xExposure".AsSpan(1);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var found = frame.TryGetAttribute(name, out var exposure);
        var missing = frame.TryGetAttribute("exposure", out _);
        var count = frame.AttributeCount;
        var mode = frame.ColorMode;
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.True(found);
        Assert.False(missing);
        Assert.Equal(3, count);
        Assert.Equal(NDColorMode.Mono, mode);
        Assert.Equal("Exposure", exposure.Name);
        Assert.Equal("seconds", exposure.Descriptor);
        Assert.Equal("sim", frame.FindAttribute("Detector")?.Value);
        Assert.Null(frame.FindAttribute("Gain"));
    }

    [Fact]
    public void Replacing_a_value_changes_that_attribute_in_place_and_keeps_the_others()
    {
        var frame = WithAttributes();
        var elements = frame.Structure["attribute"].Elements.ToArray();
        frame.TryGetAttribute("Exposure", out var before);
        var content = before.ValueField.Content;
        frame.Structure.Changed.Clear();

        var after = frame.SetAttribute("Exposure", 0.75);

        Assert.Same(before.Structure, after.Structure);
        Assert.Same(content, after.ValueField.Content); // same type: written in place
        Assert.Equal(0.75, after.Value);
        Assert.Equal("seconds", after.Descriptor);
        Assert.Equal(elements, frame.Structure["attribute"].Elements); // nothing rebuilt
        Assert.True(frame.Structure["attribute"].IsChanged);

        frame.SetAttribute("Exposure", "long");
        Assert.Equal("long", frame.FindAttribute("Exposure")?.Value);
        Assert.Equal(3, frame.AttributeCount);
    }

    [Fact]
    public void Adding_appends_and_keeps_the_existing_attribute_values()
    {
        var frame = WithAttributes();
        var elements = frame.Structure["attribute"].Elements.ToArray();
        frame.Structure.Changed.Clear();

        var gain = frame.SetAttribute("Gain", 4);

        var now = frame.Structure["attribute"].Elements;
        Assert.Equal(4, now.Count);
        Assert.Equal(elements, now.Take(3));
        Assert.Same(gain.Structure, now[3]);
        Assert.Equal(4, gain.Value);
        Assert.Equal(["ColorMode", "Exposure", "Detector", "Gain"], frame.Attributes.Select(a => a.Name));
        Assert.True(frame.Structure["attribute"].IsChanged);
    }

    [Fact]
    public void Removing_drops_one_attribute_and_releases_only_it()
    {
        var frame = WithAttributes();
        var colorMode = frame.FindAttribute("ColorMode")!.Value.Structure;
        var detector = frame.FindAttribute("Detector")!.Value;
        frame.Structure.Changed.Clear();

        Assert.True(frame.RemoveAttribute("Exposure"));
        Assert.False(frame.RemoveAttribute("Exposure"));

        Assert.Equal(["ColorMode", "Detector"], frame.Attributes.Select(a => a.Name));
        Assert.Same(colorMode, frame.Structure["attribute"].Elements[0]);
        Assert.Equal("sim", detector.Value); // the moved elements were not disposed
        Assert.True(frame.Structure["attribute"].IsChanged);
    }

    [Fact]
    public void Setting_a_whole_attribute_replaces_the_one_of_its_name()
    {
        var frame = WithAttributes(NTNDArrayLayout.NormativeTypes);
        var replacement = frame.NewAttribute("Exposure", 2.0, "ms", sourceType: 1, source: "ACQ_TIME");
        frame.SetAttribute(replacement);
        var stored = frame.FindAttribute("Exposure")!.Value;
        Assert.Same(replacement.Structure, stored.Structure);
        Assert.Equal("ACQ_TIME", stored.Source);
        Assert.Equal(3, frame.AttributeCount);

        var other = NTAttribute.Create(NTAttribute.TypeFor(NTNDArrayLayout.Pvxs), "X", 1);
        Assert.Throws<ArgumentException>(() => frame.SetAttribute(other));
    }

    [Fact]
    public void Colour_mode_comes_from_the_attribute_as_areaDetector_reads_it()
    {
        var frame = NTNDArray.Create();
        Assert.False(frame.TryGetColorMode(out _));
        Assert.Equal(NDColorMode.Mono, frame.ColorMode);
        frame.SetAttribute("ColorMode", (short)4);
        Assert.Equal(NDColorMode.RGB3, frame.ColorMode);
        frame.SetAttribute("ColorMode", "2");
        Assert.Equal(NDColorMode.RGB1, frame.ColorMode);
        frame.SetAttribute("ColorMode", 99);
        Assert.False(frame.TryGetColorMode(out _));
    }

    [Fact]
    public void Setting_a_filtered_list_of_its_own_attributes_keeps_them_intact()
    {
        var frame = WithAttributes();
        var dropped = frame.FindAttribute("Detector")!.Value;
        frame.SetAttributes(frame.Attributes.Where(a => a.Name != "Detector"));
        Assert.Equal(["ColorMode", "Exposure"], frame.Attributes.Select(a => a.Name));
        Assert.Equal(0.5, frame.FindAttribute("Exposure")?.Value);
        Assert.Equal("", dropped.Name); // released
        var foreign = NTAttribute.Create(NTAttribute.StandaloneType, "X", 1);
        Assert.Throws<ArgumentException>(() => frame.SetAttributes(foreign));
        Assert.Equal(2, frame.AttributeCount);
    }

    [Fact]
    public void Clones_keep_their_own_attributes()
    {
        var frame = WithAttributes();
        using var clone = frame.Structure.Clone();
        frame.SetAttribute("Exposure", 9.0);
        frame.RemoveAttribute("Detector");
        var copy = new NTNDArray(clone);
        Assert.Equal(0.5, copy.FindAttribute("Exposure")?.Value);
        Assert.Equal(3, copy.AttributeCount);
    }
}
