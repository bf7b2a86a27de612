using System.Globalization;
using Epics.Pva.Data;

namespace Epics.Pva.Protocol;

/// <summary>
/// What a pvRequest structure asks for, as both ends need it: the <c>record._options</c> (values may arrive as strings
/// from pvDataCPP or typed from pvxs) and, against a PV's type, the mask of selected fields and distributor options.
/// </summary>
internal sealed record RequestOptions(int? QueueSize, bool Pipeline, int? AckAny, string? Distributor)
{
    public static RequestOptions From(PvValue request)
    {
        int? queueSize = null, ackAny = null;
        var pipeline = false;
        if (request.TryGetField("record._options", out var options) && options.Type.Kind == TypeKind.Structure)
        {
            if (TryText(options, "queueSize", out var q) && int.TryParse(q, NumberStyles.Integer, CultureInfo.InvariantCulture, out var qs))
            {
                queueSize = qs;
            }

            pipeline = TryText(options, "pipeline", out var p) && p.Trim().ToLowerInvariant() is "true" or "1";
            if (TryText(options, "ackAny", out var a))
            {
                a = a.Trim();
                if (a.EndsWith('%') && double.TryParse(a[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var pct))
                {
                    ackAny = (int)Math.Ceiling((queueSize ?? 4) * pct / 100);
                }
                else if (int.TryParse(a, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
                {
                    ackAny = n;
                }
            }
        }

        string? distributor = null;
        if (request.TryGetField("field._._options", out var plugins) && plugins.Type.Kind == TypeKind.Structure)
        {
            foreach (var name in new[] { "distributor", "pydistributor" })
            {
                if (TryText(plugins, name, out var d))
                {
                    distributor = d;
                }
            }
        }

        return new RequestOptions(queueSize, pipeline, ackAny, distributor);
    }

    /// <summary>
    /// The bit offsets of <paramref name="type"/> the request's <c>field</c> selects (with their subtrees); null when it
    /// selects nothing that exists. Absent or empty <c>field</c>, or <c>field._</c>, select everything.
    /// </summary>
    public static BitSet? Mask(PvValue request, PvType type)
    {
        var mask = new BitSet();
        if (!request.TryGetField("field", out var field) || field.Type.Kind != TypeKind.Structure ||
            field.Type.Members.Count == 0 || (field.Type.IndexOf("_") >= 0 && type.IndexOf("_") < 0))
        {
            mask.SetRange(0, type.BitCount);
            return mask;
        }

        Select(field.Type, type, 0, mask);
        return mask.IsEmpty ? null : mask;
    }

    private static void Select(PvType selection, PvType type, int offset, BitSet mask)
    {
        foreach (var m in selection.Members)
        {
            if (m.Name == "_options" || m.Type.Kind != TypeKind.Structure)
            {
                continue;
            }

            var i = type.Kind == TypeKind.Structure ? type.IndexOf(m.Name) : -1;
            if (i < 0)
            {
                continue; // unknown names are ignored, as pvxs servers do
            }

            var childOffset = offset + type.MemberOffset(i);
            var childType = type.Members[i].Type;
            var subSelection = m.Type.Members.Count(c => c.Name != "_options");
            if (subSelection == 0 || childType.Kind != TypeKind.Structure)
            {
                mask.SetRange(childOffset, childOffset + childType.BitCount);
            }
            else
            {
                // Partly selected: only the chosen leaves, never the structure's own bit (that would send all of it).
                Select(m.Type, childType, childOffset, mask);
            }
        }
    }

    /// <summary>
    /// <paramref name="changed"/> with every marked structure expanded to its whole subtree, intersected with
    /// <paramref name="mask"/>, into <paramref name="into"/>.
    /// </summary>
    public static void SelectChanged(PvType type, BitSet changed, BitSet mask, BitSet into)
    {
        into.Clear();
        for (var bit = changed.NextSetBit(0); bit >= 0 && bit < type.BitCount;)
        {
            var width = bit == 0 ? type.BitCount : type.NodeAt(bit).Type.BitCount;
            into.SetRange(bit, bit + width);
            bit = changed.NextSetBit(bit + width);
        }

        into.And(mask);
    }

    private static bool TryText(PvField structure, string name, out string text)
    {
        if (structure.TryGetField(name, out var f) && f.Type.IsScalar)
        {
            text = f.GetString();
            return true;
        }

        text = string.Empty;
        return false;
    }
}
