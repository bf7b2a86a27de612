namespace Epics.Pva.Tests;

public class EpicsVariablesTests
{
    private static EpicsVariables Env(params (string Name, string Value)[] values) =>
        new(values.ToDictionary(v => v.Name, v => v.Value));

    [Fact]
    public void Lists_split_on_white_space_and_commas_and_drop_duplicates()
    {
        var env = Env(("EPICS_CA_ADDR_LIST", "  10.0.0.255\t10.0.1.255:6000,host  10.0.0.255 "));
        Assert.Equal(["10.0.0.255", "10.0.1.255:6000", "host"], env.GetList("EPICS_CA_ADDR_LIST"));
        Assert.Null(env.GetList("EPICS_PVA_ADDR_LIST"));
    }

    [Fact]
    public void Blank_variables_count_as_unset_and_the_fallback_is_used()
    {
        var env = Env(("EPICS_CAS_SERVER_PORT", "  "), ("EPICS_CA_SERVER_PORT", "15064"));
        Assert.Equal(15064, env.GetPort("EPICS_CAS_SERVER_PORT", "EPICS_CA_SERVER_PORT"));
        Assert.Null(env.GetString("EPICS_CAS_SERVER_PORT"));
    }

    [Theory]
    [InlineData("YES", true)]
    [InlineData("no", false)]
    [InlineData("True", true)]
    [InlineData("0", false)]
    [InlineData("on", true)]
    [InlineData("N", false)]
    public void Booleans_are_read_in_any_case(string text, bool expected) =>
        Assert.Equal(expected, Env(("EPICS_CA_AUTO_ADDR_LIST", text)).GetBool("EPICS_CA_AUTO_ADDR_LIST"));

    [Theory]
    [InlineData("maybe", "is not YES or NO")]
    public void A_bad_boolean_names_the_variable_that_held_it(string text, string problem)
    {
        var env = Env(("EPICS_CA_AUTO_ADDR_LIST", text));
        var e = Assert.Throws<FormatException>(() => env.GetBool("EPICS_CAS_AUTO_BEACON_ADDR_LIST", "EPICS_CA_AUTO_ADDR_LIST"));
        Assert.Equal($"EPICS_CA_AUTO_ADDR_LIST: '{text}' {problem}", e.Message);
    }

    [Theory]
    [InlineData("70000")]
    [InlineData("-1")]
    [InlineData("50 75")]
    [InlineData("x")]
    public void Bad_ports_are_refused(string text) =>
        Assert.Contains("EPICS_PVA_SERVER_PORT", Assert.Throws<FormatException>(() => Env(("EPICS_PVA_SERVER_PORT", text)).GetPort("EPICS_PVA_SERVER_PORT")).Message);

    [Fact]
    public void Seconds_and_numbers_must_be_positive()
    {
        Assert.Equal(TimeSpan.FromSeconds(2.5), Env(("EPICS_PVA_CONN_TMO", "2.5")).GetSeconds("EPICS_PVA_CONN_TMO"));
        Assert.Throws<FormatException>(() => Env(("EPICS_PVA_CONN_TMO", "0")).GetSeconds("EPICS_PVA_CONN_TMO"));
        Assert.Equal(1e8, Env(("EPICS_CA_MAX_ARRAY_BYTES", "100000000")).GetPositiveNumber("EPICS_CA_MAX_ARRAY_BYTES"));
        Assert.Throws<FormatException>(() => Env(("EPICS_CA_MAX_ARRAY_BYTES", "-5")).GetPositiveNumber("EPICS_CA_MAX_ARRAY_BYTES"));
    }

    [Theory]
    [InlineData("10.0.0.1", "10.0.0.1", 5076)]
    [InlineData("10.0.0.1:6000", "10.0.0.1", 6000)]
    [InlineData("host.example:7", "host.example", 7)]
    [InlineData("[::1]:6000", "::1", 6000)]
    [InlineData("[fe80::1]", "fe80::1", 5076)]
    [InlineData("fe80::1", "fe80::1", 5076)]
    public void Address_entries_split_into_host_and_port(string entry, string host, int port) =>
        Assert.Equal((host, port), EpicsVariables.SplitHostPort(entry, 5076));

    [Theory]
    [InlineData("10.0.0.1:0")]
    [InlineData("10.0.0.1:x")]
    [InlineData(":5076")]
    [InlineData("[::1")]
    public void Bad_address_entries_are_refused_naming_the_list(string entry) =>
        Assert.Contains("EPICS_PVA_ADDR_LIST", Assert.Throws<FormatException>(() => EpicsVariables.SplitHostPort(entry, 5076, "EPICS_PVA_ADDR_LIST")).Message);

    [Fact]
    public void Pva_options_keep_their_argument_exception_and_read_through_the_same_parser()
    {
        var e = Assert.Throws<ArgumentException>(() => PvaServerOptions.FromDictionary(new Dictionary<string, string> { ["EPICS_PVA_AUTO_ADDR_LIST"] = "maybe" }));
        Assert.Equal("EPICS_PVA_AUTO_ADDR_LIST: 'maybe' is not YES or NO", e.Message);
    }
}
