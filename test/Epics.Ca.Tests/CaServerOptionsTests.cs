using System.Net;
using Epics.Ca.Server;

namespace Epics.Ca.Tests;

public sealed class CaServerOptionsTests
{
    [Fact]
    public void Empty_dictionary_gives_the_defaults()
    {
        var o = CaServerOptions.FromDictionary(new Dictionary<string, string>());
        Assert.Equal((IPAddress.Any, 5064, 5064), (o.InterfaceAddress, o.TcpPort, o.UdpPort));
        Assert.Equal([new IPEndPoint(IPAddress.Broadcast, 5065)], o.BeaconAddresses);
        Assert.Equal(TimeSpan.FromSeconds(15), o.BeaconPeriod);
    }

    [Fact]
    public void Server_variables_win_over_client_ones()
    {
        var o = CaServerOptions.FromDictionary(new Dictionary<string, string>
        {
            ["EPICS_CA_SERVER_PORT"] = "15064",
            ["EPICS_CAS_SERVER_PORT"] = "25064",
            ["EPICS_CAS_INTF_ADDR_LIST"] = "127.0.0.1",
            ["EPICS_CA_ADDR_LIST"] = "10.0.0.1",
            ["EPICS_CAS_BEACON_ADDR_LIST"] = "10.0.0.2 10.0.0.3:7000",
            ["EPICS_CA_AUTO_ADDR_LIST"] = "YES",
            ["EPICS_CAS_AUTO_BEACON_ADDR_LIST"] = "NO",
            ["EPICS_CA_REPEATER_PORT"] = "15065",
            ["EPICS_CAS_BEACON_PERIOD"] = "2",
        });
        Assert.Equal((IPAddress.Loopback, 25064, 25064), (o.InterfaceAddress, o.TcpPort, o.UdpPort));
        Assert.Equal([new IPEndPoint(IPAddress.Parse("10.0.0.2"), 15065), new IPEndPoint(IPAddress.Parse("10.0.0.3"), 7000)], o.BeaconAddresses);
        Assert.Equal(TimeSpan.FromSeconds(2), o.BeaconPeriod);
    }

    [Fact]
    public void Client_variables_are_the_fallback_and_the_repeater_port_is_the_beacon_port()
    {
        var o = CaServerOptions.FromDictionary(new Dictionary<string, string>
        {
            ["EPICS_CA_SERVER_PORT"] = "15064",
            ["EPICS_CA_ADDR_LIST"] = "10.0.0.1",
            ["EPICS_CA_REPEATER_PORT"] = "15065",
        });
        Assert.Equal((15064, 15064), (o.TcpPort, o.UdpPort));
        Assert.Equal([new IPEndPoint(IPAddress.Parse("10.0.0.1"), 15065), new IPEndPoint(IPAddress.Broadcast, 15065)], o.BeaconAddresses);
    }

    [Theory]
    [InlineData("EPICS_CAS_SERVER_PORT", "70000")]
    [InlineData("EPICS_CA_REPEATER_PORT", "0")]
    [InlineData("EPICS_CAS_AUTO_BEACON_ADDR_LIST", "perhaps")]
    [InlineData("EPICS_CAS_BEACON_PERIOD", "-3")]
    [InlineData("EPICS_CAS_BEACON_ADDR_LIST", "10.0.0.1:x")]
    public void Bad_values_name_the_variable(string name, string value)
    {
        var e = Assert.Throws<FormatException>(() => CaServerOptions.FromDictionary(new Dictionary<string, string> { [name] = value }));
        Assert.Contains(name, e.Message);
    }
}
