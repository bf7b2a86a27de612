using Epics.Pva.Data;
using Epics.Pva.Protocol;

namespace Epics.Pva.Tests.Conformance;

/// <summary>A <see cref="PvaReader"/> that records every field it reads as a <see cref="WireItem"/>.</summary>
internal ref struct ItemReader
{
    public PvaReader Reader;

    public ItemReader(PvaReader reader)
    {
        Reader = reader;
    }

    public List<WireItem> Items { get; } = [];

    public readonly bool IsEmpty => Reader.IsEmpty;

    public byte U8(string name)
    {
        var v = Reader.ReadByte();
        Items.Add(WireItem.Num(name, WireKind.U8, v));
        return v;
    }

    public ushort U16(string name)
    {
        var v = Reader.ReadUInt16();
        Items.Add(WireItem.Num(name, WireKind.U16, v));
        return v;
    }

    public uint U32(string name)
    {
        var v = Reader.ReadUInt32();
        Items.Add(WireItem.Num(name, WireKind.U32, v));
        return v;
    }

    public int Size(string name)
    {
        var v = Reader.ReadCount(1);
        Items.Add(WireItem.Num(name, WireKind.Size, v));
        return v;
    }

    public string Str(string name)
    {
        var v = Reader.ReadString();
        Items.Add(WireItem.Str(name, v));
        return v;
    }

    public PvaStatus Status(string name = "status")
    {
        var v = Reader.ReadStatus();
        Items.Add(WireItem.Stat(name, v));
        return v;
    }

    public PvType? Type(string name)
    {
        var v = TypeCodec.Read(ref Reader);
        Items.Add(WireItem.TypeDesc(name, v));
        return v;
    }

    public PvType RequiredType(string name) =>
        Type(name) ?? throw new PvaProtocolException($"{name}: null type where a type is required");

    /// <summary>A Type followed by a full value of it (when the type is not null).</summary>
    public PvValue? TypeAndValue(string typeName, string valueName)
    {
        var type = Type(typeName);
        return type is null ? null : Full(valueName, type);
    }

    public PvValue Full(string name, PvType type)
    {
        var v = new PvValue(type);
        ValueCodec.ReadFull(ref Reader, v);
        Items.Add(WireItem.Full(name, v));
        return v;
    }

    /// <summary>BitSet + selected fields decoded onto <paramref name="onto"/> (which is returned).</summary>
    public PvValue Partial(string name, PvValue onto)
    {
        var bits = new BitSet();
        ValueCodec.ReadPartial(ref Reader, onto, bits);
        Items.Add(WireItem.Partial(name, bits, onto));
        return onto;
    }

    public BitSet Bits(string name)
    {
        var v = Reader.ReadBitSet();
        Items.Add(WireItem.Set(name, v));
        return v;
    }

    public ReadOnlySpan<byte> Raw(string name, int count)
    {
        var v = Reader.ReadBytes(count);
        Items.Add(WireItem.Bytes(name, v));
        return v;
    }
}
