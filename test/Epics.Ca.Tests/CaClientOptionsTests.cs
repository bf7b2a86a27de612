using System.Net;
using Epics.Ca.Client;

namespace Epics.Ca.Tests;

public sealed class CaClientOptionsTests
{
    [Fact]
    public void FromDictionary_reads_the_epics_variables()
    {
        var o = CaClientOptions.FromDictionary(new Dictionary<string, string>
        {
            ["EPICS_CA_ADDR_LIST"] = " 127.0.0.1  10.1.2.255:6000 ",
            ["EPICS_CA_AUTO_ADDR_LIST"] = "no",
            ["EPICS_CA_SERVER_PORT"] = "15064",
            ["EPICS_CA_REPEATER_PORT"] = "15065",
            ["EPICS_CA_CONN_TMO"] = "2.5",
        });
        Assert.Equal(["127.0.0.1", "10.1.2.255:6000"], o.AddressList);
        Assert.False(o.AutoAddressList);
        Assert.Equal((15064, 15065), (o.ServerPort, o.RepeaterPort));
        Assert.Equal(TimeSpan.FromSeconds(2.5), o.EchoIdleTime);
        Assert.Equal([new IPEndPoint(IPAddress.Loopback, 15064), new IPEndPoint(IPAddress.Parse("10.1.2.255"), 6000)],
            o.ResolveSearchDestinations());
    }

    [Fact]
    public void Empty_dictionary_gives_the_defaults()
    {
        var o = CaClientOptions.FromDictionary(new Dictionary<string, string>());
        Assert.Equal((5064, 5065, true), (o.ServerPort, o.RepeaterPort, o.AutoAddressList));
        Assert.Empty(o.AddressList);
    }

    [Theory]
    [InlineData("EPICS_CA_SERVER_PORT", "abc")]
    [InlineData("EPICS_CA_SERVER_PORT", "70000")]
    [InlineData("EPICS_CA_AUTO_ADDR_LIST", "maybe")]
    [InlineData("EPICS_CA_CONN_TMO", "-1")]
    public void Bad_values_name_the_variable(string name, string value)
    {
        var e = Assert.Throws<FormatException>(() => CaClientOptions.FromDictionary(new Dictionary<string, string> { [name] = value }));
        Assert.Contains(name, e.Message);
    }
}
