namespace Epics.Pva.Data;

// Reusing a value object for another copy, so a stream of updates of one type allocates nothing in steady state: the
// monitor paths keep values that were sent or disposed and copy the next one into them.
public sealed partial class PvValue
{
    /// <summary>
    /// Makes this value (of the same type as <paramref name="source"/>) a copy of it, as <see cref="Clone"/> would, but
    /// into the nodes, nested values and element arrays this value already has where their shapes match: nothing is
    /// allocated when the layout is unchanged (same union members, same structure array lengths). Scalar arrays are
    /// shared (retained), strings by reference; nodes equal to the source's are left alone.
    /// </summary>
    internal void CopyFrom(PvValue source)
    {
        Changed.CopyFrom(source.Changed);
        for (var i = 0; i < Nodes.Length; i++)
        {
            ref var to = ref Nodes[i];
            var from = source.Nodes[i];
            to.Bits = from.Bits;
            if (ReferenceEquals(to.Ref, from.Ref) && to.Ref is null or string or PvArray)
            {
                continue; // an array both hold: this value already has its own reference to it
            }

            switch (from.Ref)
            {
                case PvValue v when to.Ref is PvValue mine && mine.Type.Equals(v.Type):
                    mine.CopyFrom(v);
                    break;
                case PvValue?[] elements when to.Ref is PvValue?[] mine && mine.Length == elements.Length:
                    CopyElements(mine, elements);
                    break;
                default:
                    var old = to.Ref;
                    to.Ref = CloneRef(from.Ref);
                    ReleaseRef(old);
                    break;
            }
        }
    }

    /// <summary>
    /// Releases the scalar arrays this value holds (pooled frame buffers go back to their pool) but keeps its nested
    /// values and element arrays for a later <see cref="CopyFrom"/>. The value reads as if its arrays were empty.
    /// </summary>
    internal void ReleaseArrays()
    {
        for (var i = 0; i < Nodes.Length; i++)
        {
            switch (Nodes[i].Ref)
            {
                case PvArray a:
                    Nodes[i].Ref = null;
                    a.Dispose();
                    break;
                case PvValue v:
                    v.ReleaseArrays();
                    break;
                case PvValue?[] elements:
                    foreach (var e in elements)
                    {
                        e?.ReleaseArrays();
                    }

                    break;
            }
        }
    }

    private static void CopyElements(PvValue?[] mine, PvValue?[] source)
    {
        for (var k = 0; k < source.Length; k++)
        {
            if (source[k] is { } e && mine[k] is { } m && m.Type.Equals(e.Type))
            {
                m.CopyFrom(e);
            }
            else if (!ReferenceEquals(mine[k], source[k]))
            {
                var old = mine[k];
                mine[k] = source[k]?.Clone();
                old?.Dispose();
            }
        }
    }
}
