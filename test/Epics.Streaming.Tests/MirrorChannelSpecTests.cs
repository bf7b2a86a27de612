namespace Epics.Streaming.Tests;

public class MirrorChannelSpecTests
{
    [Fact]
    public void Typical_entry_with_queue_size_parses()
    {
        var map = MirrorChannelSpec.ParseMap("(pvapy:image,ad:image,pva,1000)");
        var e = Assert.Single(map);
        Assert.Equal(new MirrorChannelSpec("pvapy:image", "ad:image", MirrorProvider.Pva, 1000, 1, ""), e);
        Assert.Equal("record[queueSize=1000]field()", e.PvRequest);
    }

    [Fact]
    public void Defaults_apply_and_several_entries_parse()
    {
        var map = MirrorChannelSpec.ParseMap("(a,b),(c,d,CA),(e,f,pva,0,3,_[pydistributor=updates:1;group:g])");
        Assert.Equal(3, map.Count);
        Assert.Equal(new MirrorChannelSpec("a", "b"), map[0]);
        Assert.Equal(MirrorProvider.Ca, map[1].Provider);
        Assert.Equal(3, map[2].MonitorCount);
        Assert.Equal("field(_[pydistributor=updates:1;group:g])", map[2].PvRequest);
    }

    [Fact]
    public void Whitespace_is_not_trimmed()
    {
        var map = MirrorChannelSpec.ParseMap("(a, b)");
        Assert.Equal(" b", map[0].SourceName);
    }

    [Theory]
    [InlineData(null, "Channel map is not specified.")]
    [InlineData("", "Channel map is not specified.")]
    [InlineData("(a,b,tcp)", "Invalid source provider type specified for entry: a,b,tcp")]
    [InlineData("(a,b,pva,-1)", "Invalid source queue size specified for entry: a,b,pva,-1")]
    [InlineData("(a,b,pva,x)", "Invalid source queue size specified for entry: a,b,pva,x")]
    [InlineData("(a,b,pva,1,0)", "Invalid number of source monitors specified for entry: a,b,pva,1,0")]
    [InlineData("(a,b,pva,1,1,r,extra)", "Invalid channel map entry: a,b,pva,1,1,r,extra")]
    [InlineData("(a)", "Invalid channel map entry: a")]
    [InlineData("(a,b),(a,c)", "Mirror channel a already exists.")]
    public void Bad_maps_give_one_clear_error(string? map, string message)
    {
        var e = Assert.Throws<StreamingConfigurationException>(() => MirrorChannelSpec.ParseMap(map));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Spaces_in_an_entry_are_named_as_the_problem()
    {
        var e = Assert.Throws<StreamingConfigurationException>(() => MirrorChannelSpec.ParseMap("(a, b, pva)"));
        Assert.Equal("Invalid source provider type specified for entry: a, b, pva (the entry contains spaces: fields are separated by commas only, e.g. (a,b,pva))", e.Message);
    }
}
