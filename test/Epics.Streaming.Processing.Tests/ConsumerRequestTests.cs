using Epics.Streaming.Consumer;

namespace Epics.Streaming.Processing.Tests;

/// <summary>The monitor requests of framework.md §6.1 and the option checks.</summary>
public sealed class ConsumerRequestTests
{
    [Fact]
    public void Requests_are_built_as_the_reference_builds_them()
    {
        var o = new DataConsumerOptions { InputChannel = "x" };
        Assert.Equal("field()", o.BuildRequest());
        Assert.Equal("record[queueSize=100]field()", (o with { ServerQueueSize = 100 }).BuildRequest());
        Assert.Equal("field(uniqueId,value,dimension)", (o with { FieldRequest = "value,dimension" }).BuildRequest());
        Assert.Equal("field(uniqueId,value)", (o with { FieldRequest = "field(uniqueId,value)" }).BuildRequest());
        Assert.Equal("record[queueSize=100]field(_[pydistributor=updates:1])", (o with { ServerQueueSize = 100, DistributorUpdates = "1" }).BuildRequest());
        Assert.Equal("field(_[pydistributor=set:A;updates:3])", (o with { DistributorSet = "A", DistributorUpdates = "3", FieldRequest = "value" }).BuildRequest());
        Assert.Equal("field(_[distributor=group:g;set:s;trigger:t;updates:2])",
            (o with { DistributorPluginName = "distributor", DistributorGroup = "g", DistributorSet = "s", DistributorTrigger = "t", DistributorUpdates = "2" }).BuildRequest());
    }

    [Fact]
    public void Offsets_and_group_lengths_follow_the_distributor_options()
    {
        var o = new DataConsumerOptions { InputChannel = "x", ConsumerCount = 2, DistributorUpdates = "1" };
        Assert.Equal(2, o.EffectiveObjectIdOffset);
        Assert.Equal(1, o.SequentialUpdates);
        var sets = o with { DistributorUpdates = "3", DistributorSetCount = 2, DistributorSet = "A" };
        Assert.Equal(4, sets.EffectiveObjectIdOffset);
        Assert.Equal(3, sets.SequentialUpdates);
        Assert.Equal(0, (o with { DistributorUpdates = "x" }).DistributorUpdateCount); // atoi
        Assert.Throws<StreamingConfigurationException>((o with { DistributorSetCount = 2 }).Validate);
        Assert.Throws<StreamingConfigurationException>(new DataConsumerOptions().Validate);
    }
}
