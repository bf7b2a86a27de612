using Epics.Pva.Data;

namespace Epics.Streaming.Tests;

public class AdSimServerOptionsTests
{
    [Fact]
    public void Defaults_match_the_reference()
    {
        var o = new AdSimServerOptions();
        Assert.Equal(20, o.FrameRate);
        Assert.Equal(256, o.Nx);
        Assert.Equal(256, o.Ny);
        Assert.Equal("uint8", o.DataType);
        Assert.Equal(1000, o.CacheSize);
        Assert.Equal(300, o.Runtime);
        Assert.Equal("pvapy:image", o.ChannelName);
        Assert.Equal(10.0, o.StartDelay);
        Assert.Equal(10.0, o.ShutdownDelay);
        Assert.Equal(1, o.ReportPeriod);
        o.Validate();
    }

    [Theory]
    [InlineData("int8", ScalarType.Byte)]
    [InlineData("uint16", ScalarType.UShort)]
    [InlineData("float32", ScalarType.Float)]
    [InlineData("float64", ScalarType.Double)]
    public void Data_types_map_to_scalar_types(string name, ScalarType type)
    {
        Assert.Equal(type, AdSimServerOptions.ParseDataType(name));
        Assert.Equal(name, AdSimServerOptions.DataTypeName(type));
    }

    [Fact]
    public void Bad_values_are_rejected_with_one_message()
    {
        Assert.Contains("color mode", Assert.Throws<StreamingConfigurationException>(() => new AdSimServerOptions { ColorMode = 1 }.Validate()).Message);
        Assert.Contains("data type", Assert.Throws<StreamingConfigurationException>(() => new AdSimServerOptions { DataType = "int128" }.Validate()).Message);
        Assert.Contains("cache size", Assert.Throws<StreamingConfigurationException>(() => new AdSimServerOptions { CacheSize = 0 }.Validate()).Message);
        Assert.Contains("frame size", Assert.Throws<StreamingConfigurationException>(() => new AdSimServerOptions { Nx = 0 }.Validate()).Message);
        Assert.Contains("does not exist", Assert.Throws<StreamingConfigurationException>(() => new AdSimServerOptions { InputFile = "/no/such.npy" }.Validate()).Message);
        Assert.Contains("range", Assert.Throws<StreamingConfigurationException>(() => new AdSimServerOptions { Minimum = 5, Maximum = 1 }.Validate()).Message);
    }

    [Fact]
    public void Metadata_list_splits_pva_and_ca_names()
    {
        var md = AdSimServer.ParseMetadata("pva://x,ca://y,z,,");
        Assert.Equal([("x", false), ("y", true), ("z", true)], md);
    }
}
