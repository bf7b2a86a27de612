using Epics.Pva.Transport.Discovery;

namespace Epics.Pva.Tests.Discovery;

public class DiscoveryOptionsTests
{
    [Fact]
    public void Client_defaults_match_the_EPICS_defaults()
    {
        var o = PvaClientOptions.Default;
        Assert.Empty(o.AddressList);
        Assert.True(o.AutoAddressList);
        Assert.Equal(5076, o.BroadcastPort);
        Assert.Equal(5075, o.ServerPort);
        Assert.Empty(o.NameServers);
        Assert.Equal(TimeSpan.FromSeconds(40), o.ConnectionTimeout);
        Assert.Same(TimeProvider.System, o.TimeProvider);
        Assert.Equal(o, PvaClientOptions.FromDictionary(new Dictionary<string, string>()));
    }

    [Fact]
    public void Client_reads_the_EPICS_PVA_variables()
    {
        var o = PvaClientOptions.FromDictionary(new Dictionary<string, string>
        {
            ["EPICS_PVA_ADDR_LIST"] = " 127.0.0.1  10.0.0.255:6000 host.example ",
            ["EPICS_PVA_AUTO_ADDR_LIST"] = "no",
            ["EPICS_PVA_BROADCAST_PORT"] = "15076",
            ["EPICS_PVA_SERVER_PORT"] = "15075",
            ["EPICS_PVA_NAME_SERVERS"] = "ns1:5075 ns2",
            ["EPICS_PVA_CONN_TMO"] = "3",
        });
        Assert.Equal(["127.0.0.1", "10.0.0.255:6000", "host.example"], o.AddressList);
        Assert.False(o.AutoAddressList);
        Assert.Equal(15076, o.BroadcastPort);
        Assert.Equal(15075, o.ServerPort);
        Assert.Equal(["ns1:5075", "ns2"], o.NameServers);
        Assert.Equal(TimeSpan.FromSeconds(4), o.ConnectionTimeout);
    }

    [Theory]
    [InlineData("EPICS_PVA_AUTO_ADDR_LIST", "maybe")]
    [InlineData("EPICS_PVA_BROADCAST_PORT", "70000")]
    [InlineData("EPICS_PVA_SERVER_PORT", "x")]
    [InlineData("EPICS_PVA_CONN_TMO", "-1")]
    public void Malformed_client_variables_throw_naming_the_variable(string name, string value)
    {
        var ex = Assert.Throws<ArgumentException>(() => PvaClientOptions.FromDictionary(new Dictionary<string, string> { [name] = value }));
        Assert.Contains(name, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Server_reads_PVAS_variables_and_falls_back_to_PVA_ones()
    {
        var fallback = PvaServerOptions.FromDictionary(new Dictionary<string, string>
        {
            ["EPICS_PVA_SERVER_PORT"] = "15075",
            ["EPICS_PVA_BROADCAST_PORT"] = "15076",
            ["EPICS_PVA_ADDR_LIST"] = "127.0.0.1",
            ["EPICS_PVA_AUTO_ADDR_LIST"] = "NO",
            ["EPICS_PVA_BEACON_PERIOD"] = "5",
        });
        Assert.Equal(15075, fallback.ServerPort);
        Assert.Equal(15076, fallback.BroadcastPort);
        Assert.Equal(["127.0.0.1"], fallback.BeaconAddressList);
        Assert.False(fallback.AutoBeaconAddressList);
        Assert.Equal(TimeSpan.FromSeconds(5), fallback.BeaconPeriod);

        var specific = PvaServerOptions.FromDictionary(new Dictionary<string, string>
        {
            ["EPICS_PVA_SERVER_PORT"] = "15075",
            ["EPICS_PVAS_SERVER_PORT"] = "25075",
            ["EPICS_PVAS_BROADCAST_PORT"] = "25076",
            ["EPICS_PVAS_INTF_ADDR_LIST"] = "127.0.0.1",
            ["EPICS_PVA_ADDR_LIST"] = "10.0.0.1",
            ["EPICS_PVAS_BEACON_ADDR_LIST"] = "10.0.0.2",
            ["EPICS_PVA_AUTO_ADDR_LIST"] = "NO",
            ["EPICS_PVAS_AUTO_BEACON_ADDR_LIST"] = "YES",
        });
        Assert.Equal(25075, specific.ServerPort);
        Assert.Equal(25076, specific.BroadcastPort);
        Assert.Equal(["127.0.0.1"], specific.InterfaceAddresses);
        Assert.Equal(["10.0.0.2"], specific.BeaconAddressList);
        Assert.True(specific.AutoBeaconAddressList);
    }

    [Fact]
    public void Server_defaults_and_isolated()
    {
        var d = PvaServerOptions.Default;
        Assert.Equal(["0.0.0.0"], d.InterfaceAddresses);
        Assert.Equal(5075, d.ServerPort);
        Assert.Equal(5076, d.BroadcastPort);
        Assert.Equal(TimeSpan.FromSeconds(15), d.BeaconPeriod);
        Assert.True(d.EnableUdp);

        var i = PvaServerOptions.Isolated();
        Assert.Equal(["127.0.0.1"], i.InterfaceAddresses);
        Assert.Equal(0, i.ServerPort);
        Assert.Equal(0, i.BroadcastPort);
        Assert.Empty(i.BeaconAddressList);
        Assert.False(i.AutoBeaconAddressList);

        var c = i.CreateClientOptions(40000, 40001);
        Assert.Equal(["127.0.0.1:40000"], c.AddressList);
        Assert.False(c.AutoAddressList);
        Assert.Equal(40000, c.BroadcastPort);
        Assert.Equal(40001, c.ServerPort);
        Assert.Same(i.LoggerFactory, c.LoggerFactory);
    }

    [Theory]
    [InlineData("10.1.2.3", "10.1.2.3", 5076)]
    [InlineData("10.1.2.3:6000", "10.1.2.3", 6000)]
    [InlineData("host.example:7", "host.example", 7)]
    [InlineData("[::1]:8", "::1", 8)]
    [InlineData("[fe80::1]", "fe80::1", 5076)]
    [InlineData("fe80::1", "fe80::1", 5076)]
    [InlineData("224.0.2.3,255@192.168.1.1", "224.0.2.3", 5076)]
    public void Address_entries_parse(string entry, string host, int port) =>
        Assert.Equal((host, port), DiscoveryAddresses.ParseEntry(entry, 5076));

    [Theory]
    [InlineData("10.1.2.3:")]
    [InlineData("10.1.2.3:99999")]
    [InlineData(":5")]
    [InlineData("[::1")]
    public void Bad_address_entries_throw(string entry) =>
        Assert.Throws<ArgumentException>(() => DiscoveryAddresses.ParseEntry(entry, 5076));

    [Fact]
    public void Unicast_is_told_from_broadcast_and_multicast()
    {
        var broadcasts = new[] { System.Net.IPAddress.Parse("192.168.1.255"), DiscoveryAddresses.LoopbackBroadcast };
        Assert.True(DiscoveryAddresses.IsUnicast(System.Net.IPAddress.Loopback, broadcasts));
        Assert.True(DiscoveryAddresses.IsUnicast(System.Net.IPAddress.Parse("192.168.1.7"), broadcasts));
        Assert.False(DiscoveryAddresses.IsUnicast(System.Net.IPAddress.Parse("192.168.1.255"), broadcasts));
        Assert.False(DiscoveryAddresses.IsUnicast(System.Net.IPAddress.Broadcast, broadcasts));
        Assert.False(DiscoveryAddresses.IsUnicast(System.Net.IPAddress.Parse("224.0.0.128"), broadcasts));
    }
}
