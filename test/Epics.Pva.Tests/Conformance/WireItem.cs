using Epics.Pva.Data;
using Epics.Pva.Protocol;

namespace Epics.Pva.Tests.Conformance;

internal enum WireKind
{
    U8,
    U16,
    U32,
    Size,
    String,
    Status,
    Type,
    FullValue,
    PartialValue,
    BitSet,
    Raw,
}

/// <summary>
/// One decoded field of a message payload, in wire order. A message decoded into items can be written back with our
/// writers alone (<see cref="Write"/>), so "decode, re-encode, compare bytes" covers every field of every message.
/// </summary>
internal sealed class WireItem
{
    private WireItem(string name, WireKind kind)
    {
        Name = name;
        Kind = kind;
    }

    public string Name { get; }

    public WireKind Kind { get; }

    public long Number { get; private init; }

    public string? Text { get; private init; }

    public PvaStatus Status { get; private init; }

    public PvType? Type { get; private init; }

    /// <summary>FullValue/PartialValue: the decoded value (for a monitor update: the current value after applying it).</summary>
    public PvValue? Value { get; private init; }

    /// <summary>PartialValue: the BitSet as received; BitSet: the set.</summary>
    public BitSet? Bits { get; private init; }

    public byte[]? Raw { get; private init; }

    public static WireItem Num(string name, WireKind kind, long value) => new(name, kind) { Number = value };

    public static WireItem Str(string name, string value) => new(name, WireKind.String) { Text = value };

    public static WireItem Stat(string name, PvaStatus status) => new(name, WireKind.Status) { Status = status };

    public static WireItem TypeDesc(string name, PvType? type) => new(name, WireKind.Type) { Type = type };

    public static WireItem Full(string name, PvValue value) => new(name, WireKind.FullValue) { Value = value, Type = value.Type };

    public static WireItem Partial(string name, BitSet bits, PvValue value) =>
        new(name, WireKind.PartialValue) { Bits = bits, Value = value, Type = value.Type };

    public static WireItem Set(string name, BitSet bits) => new(name, WireKind.BitSet) { Bits = bits };

    public static WireItem Bytes(string name, ReadOnlySpan<byte> bytes) => new(name, WireKind.Raw) { Raw = bytes.ToArray() };

    public void Write(in PvaWriter w)
    {
        switch (Kind)
        {
            case WireKind.U8: w.WriteByte((byte)Number); break;
            case WireKind.U16: w.WriteUInt16((ushort)Number); break;
            case WireKind.U32: w.WriteUInt32((uint)Number); break;
            case WireKind.Size: w.WriteSize((int)Number); break;
            case WireKind.String: w.WriteString(Text!); break;
            case WireKind.Status: w.WriteStatus(Status); break;
            case WireKind.Type: TypeCodec.Write(w, Type); break;
            case WireKind.FullValue: ValueCodec.WriteFull(w, Value!); break;
            case WireKind.PartialValue: ValueCodec.WritePartial(w, Value!, Bits!); break;
            case WireKind.BitSet: w.WriteBitSet(Bits!); break;
            default: w.WriteBytes(Raw!); break;
        }
    }

    /// <summary>The payload these items encode to, in one byte order.</summary>
    public static byte[] Encode(IEnumerable<WireItem> items, bool bigEndian)
    {
        using var builder = new MessageBuilder();
        var w = new PvaWriter(builder, bigEndian);
        foreach (var item in items)
        {
            item.Write(w);
        }

        return builder.ToArray();
    }

    /// <summary>Asserts two decodings of the same message agree field by field (types by equality, values structurally).</summary>
    public static void AssertSame(IReadOnlyList<WireItem> expected, IReadOnlyList<WireItem> actual, string context)
    {
        Check.That(expected.Count == actual.Count, () =>
            $"{context}: {expected.Count} fields vs {actual.Count} ({string.Join(",", expected.Select(i => i.Name))} / {string.Join(",", actual.Select(i => i.Name))})");
        for (var i = 0; i < expected.Count; i++)
        {
            var (e, a) = (expected[i], actual[i]);
            var where = $"{context}, field '{e.Name}'";
            Check.That(e.Name == a.Name && e.Kind == a.Kind, () => $"{where}: got '{a.Name}' ({a.Kind})");
            Check.That(e.Number == a.Number, () => $"{where}: {e.Number} vs {a.Number}");
            Check.That(e.Text == a.Text, () => $"{where}: '{e.Text}' vs '{a.Text}'");
            Check.That(e.Status == a.Status, () => $"{where}: {e.Status} vs {a.Status}");
            Check.That(Equals(e.Type, a.Type), () => $"{where}: type\n{e.Type}vs\n{a.Type}");
            Check.That(Equals(e.Bits, a.Bits), () => $"{where}: bits {e.Bits} vs {a.Bits}");
            Check.That(e.Raw is null ? a.Raw is null : a.Raw is not null && e.Raw.AsSpan().SequenceEqual(a.Raw), () => $"{where}: raw bytes differ");
            if (e.Value is not null)
            {
                Assert.NotNull(a.Value);
                ValueComparer.AssertEqual(e.Value, a.Value, where);
            }
        }
    }
}
