using Epics.Pva.Data;

namespace Pvstream.Serve;

/// <summary>
/// <c>serve --demo</c>: one PV of every kind, for trying the client subcommands and other tools: an NTScalar and an
/// NTScalarArray of every scalar type, an enum, a counter, a sine, a test image and an RPC.
/// </summary>
internal static class DemoSet
{
    /// <summary>What the demo PVs are called without <c>--prefix</c>: <c>demo:double</c>, <c>demo:image</c>, ...</summary>
    public const string DefaultPrefix = "demo:";

    public static IEnumerable<PvSpec> Specs()
    {
        foreach (var t in System.Enum.GetValues<ScalarType>())
        {
            var name = t.TypeName();
            var (scalar, array) = t switch
            {
                ScalarType.Boolean => ("true", "[true,false,true]"),
                ScalarType.String => ("hello", "[\"a\",\"b\",\"c\"]"),
                ScalarType.Float or ScalarType.Double => ("1.5", "[1.5,2.5,3.5]"),
                _ => ("1", "[1,2,3]"),
            };
            yield return new PvSpec(name, name, scalar, null);
            yield return new PvSpec(name + "Array", name + "[]", array, null);
        }

        yield return new PvSpec("enum", "enum", "Off,On,Standby", null);
        yield return new PvSpec("counter", "counter", null, 1);
        yield return new PvSpec("sine", "sine", null, 10);
        yield return new PvSpec("image", "image", "128x128:ubyte", 1);
        yield return new PvSpec("add", "add", null, null);
    }
}
