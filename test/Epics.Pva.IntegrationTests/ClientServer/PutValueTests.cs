using Epics.Pva.Data;
using Epics.Pva.Data.NT;
using Epics.Pva.Server;

namespace Epics.Pva.IntegrationTests.ClientServer;

/// <summary>PutValueAsync takes text as pvput does (found in the softIocPVX interop run: an mbbi put by choice name failed).</summary>
public class PutValueTests
{
    [Theory]
    [InlineData("Two", 2)]
    [InlineData("0", 0)]
    public async Task PutValue_to_an_enum_takes_a_choice_name_or_an_index(string text, int expected)
    {
        var en = NTEnum.Create("Zero", "One", "Two");
        en.Index = 1;
        var pv = new SharedPv(en.Structure);
        await using var lo = await Loopback.StartAsync(s => s.AddPv("e", pv));
        await lo.Client.PutValueAsync("e", text, Loopback.Deadline());
        Assert.Equal(expected, pv.Snapshot()["value.index"].GetInt32());
        Assert.Equal(["Zero", "One", "Two"], pv.Snapshot()["value.choices"].GetArray().ToArray<string>());
    }

    [Fact]
    public async Task PutValue_to_an_enum_with_an_unknown_choice_is_a_format_error()
    {
        var pv = new SharedPv(NTEnum.Create("Zero", "One").Structure);
        await using var lo = await Loopback.StartAsync(s => s.AddPv("e", pv));
        var e = await Assert.ThrowsAsync<FormatException>(() => lo.Client.PutValueAsync("e", "Three", Loopback.Deadline()));
        Assert.Contains("Three", e.Message);
    }

    [Fact]
    public async Task PutValue_to_an_array_takes_brackets()
    {
        var arr = NTScalarArray.Create(ScalarType.Double);
        var pv = new SharedPv(arr.Structure);
        await using var lo = await Loopback.StartAsync(s => s.AddPv("a", pv));
        await lo.Client.PutValueAsync("a", "[1.5,2,3]", Loopback.Deadline());
        Assert.Equal([1.5, 2, 3], pv.Snapshot()["value"].GetArray().ToArray<double>());
    }
}
