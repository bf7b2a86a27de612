using Epics.Pva.Data;
using Epics.Pva.Server;

namespace Epics.Pva.IntegrationTests.ClientServer;

/// <summary>
/// The server copies each post into a value object a finished post left behind, and the client copies each update into
/// one the application disposed. Whatever the previous content (another union member, more or fewer attributes), an
/// update carries exactly its own post, and an update still held is never touched by later ones.
/// </summary>
public sealed class ReusedValueTests
{
    private static readonly PvType AttributeType = PvType.Structure("attribute_t",
        new PvMember("name", PvType.String),
        new PvMember("value", PvType.Union("", new PvMember("i", PvType.Int), new PvMember("s", PvType.String))));

    private static readonly PvType FrameType = PvType.Structure("frame_t",
        new PvMember("uniqueId", PvType.Int),
        new PvMember("data", PvType.Array(ScalarType.Int)),
        new PvMember("attribute", PvType.StructureArray(AttributeType)));

    [Fact]
    public async Task Every_update_carries_its_own_post_while_the_value_objects_are_reused()
    {
        var pv = new SharedPv(new PvValue(FrameType));
        await using var lo = await Loopback.StartAsync(s => s.AddPv("img", pv));
        await using var sub = lo.Client.Subscribe("img", "record[queueSize=4,pipeline=true]field()");
        using var held = await sub.ReadAsync(Loopback.Deadline()); // the connect value, kept to the end
        Assert.Equal(0, held!.Value["uniqueId"].GetInt32());

        const int frames = 300;
        var producer = Task.Run(async () =>
        {
            var update = new PvValue(FrameType);
            for (var id = 1; id <= frames; id++)
            {
                await pv.WaitForRoomAsync(Loopback.Deadline());
                update.Changed.Clear();
                update["uniqueId"].Set(id);
                if (id % 5 != 0)
                {
                    update["data"].Set<int>([id, -id]); // every fifth post leaves data (and the attributes) as they were
                    update["attribute"].SetElements(Attributes(id));
                }

                pv.Post(update);
            }
        });

        var deadline = Loopback.Deadline();
        for (var id = 1; id <= frames; id++)
        {
            using var u = await sub.ReadAsync(deadline);
            Assert.Equal(id, u!.Value["uniqueId"].GetInt32());
            var source = id % 5 != 0 ? id : id - 1;
            Assert.Equal([source, -source], u.Value["data"].GetArray().AsSpan<int>().ToArray());
            AssertAttributes(source, u.Value);
        }

        await producer.WaitAsync(Loopback.Timeout);
        Assert.Equal(0, held.Value["uniqueId"].GetInt32());
        Assert.Empty(held.Value["attribute"].Elements);
        Assert.Equal(0, held.Value["data"].GetArray().Count);
    }

    // 0 to 3 attributes, alternating union members, so consecutive posts differ in layout.
    private static PvValue?[] Attributes(int id)
    {
        var elements = new PvValue?[id % 4];
        for (var k = 0; k < elements.Length; k++)
        {
            var a = new PvValue(AttributeType);
            a["name"].Set($"a{k}");
            var member = a["value"].Select((id + k) % 2 == 0 ? "i" : "s");
            if ((id + k) % 2 == 0)
            {
                member.Set(id * 10 + k);
            }
            else
            {
                member.Set($"{id}/{k}");
            }

            elements[k] = a;
        }

        return elements;
    }

    private static void AssertAttributes(int id, PvValue value)
    {
        var elements = value["attribute"].Elements;
        Assert.Equal(id % 4, elements.Count);
        for (var k = 0; k < elements.Count; k++)
        {
            var a = elements[k]!;
            Assert.Equal($"a{k}", a["name"].GetString());
            var union = a["value"];
            if ((id + k) % 2 == 0)
            {
                Assert.Equal("i", union.SelectedName);
                Assert.Equal(id * 10 + k, union.Content!.Root.GetInt32());
            }
            else
            {
                Assert.Equal("s", union.SelectedName);
                Assert.Equal($"{id}/{k}", union.Content!.Root.GetString());
            }
        }
    }
}
