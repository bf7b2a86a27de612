using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Epics.Pva.Data;

/// <summary>
/// The elements of a scalar array field. Numeric and boolean elements are kept as one contiguous block in host byte
/// order, either in a caller's array (no copy) or in a pinned buffer from <see cref="FrameBufferPool"/>. Arrays are
/// shared between values (a monitor update shares unchanged arrays with the previous one), so they are reference
/// counted: <see cref="Retain"/> adds an owner and <see cref="Dispose"/> drops one; the last owner returns a pooled
/// buffer. An array held by more than one owner (a server queue, another subscriber, a clone, a socket write in
/// flight) is never written: the writable accessors throw then, and <see cref="GetExclusive"/> gives a private copy.
/// Typed spans require the exact element type (<c>ushort</c> for ushort[]); reinterpret <see cref="Bytes"/>
/// explicitly (<c>MemoryMarshal.Cast</c>) where another type of the same size is meant.
/// </summary>
public sealed class PvArray : IDisposable
{
    private readonly Array _storage;
    private readonly FrameBufferPool? _pool;
    private readonly int _byteOffset;
    private int _refs = 1;

    private PvArray(ScalarType type, Array storage, int count, FrameBufferPool? pool, int byteOffset = 0)
    {
        _byteOffset = byteOffset;
        ElementType = type;
        _storage = storage;
        Count = count;
        _pool = pool;
    }

    /// <summary>The element type.</summary>
    public ScalarType ElementType { get; }

    /// <summary>Number of elements.</summary>
    public int Count { get; }

    /// <summary>Size of the elements in bytes (0 for strings).</summary>
    public int ByteLength => Count * ElementType.ElementSize();

    /// <summary>True when the storage came from a pool and returns there on the last <see cref="Dispose"/>.</summary>
    public bool IsPooled => _pool is not null;

    /// <summary>True when exactly one owner holds this array, so it may be overwritten in place.</summary>
    public bool IsExclusive => Volatile.Read(ref _refs) == 1;

    /// <summary>An empty array of <paramref name="type"/>.</summary>
    public static PvArray Empty(ScalarType type) => type == ScalarType.String
        ? new PvArray(type, System.Array.Empty<string>(), 0, null)
        : new PvArray(type, System.Array.Empty<byte>(), 0, null);

    /// <summary>Wraps <paramref name="values"/> without copying. The caller must not change them afterwards.</summary>
    public static PvArray Wrap<T>(T[] values) => new(ScalarTypes.Of<T>(), values, values.Length, null);

    /// <summary>Wraps the first <paramref name="count"/> elements of <paramref name="values"/> without copying.</summary>
    public static PvArray Wrap<T>(T[] values, int count)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, values.Length);
        return new(ScalarTypes.Of<T>(), values, count, null);
    }

    /// <summary>An array holding a copy of <paramref name="values"/>.</summary>
    public static PvArray Create<T>(ReadOnlySpan<T> values)
    {
        var type = ScalarTypes.Of<T>();
        if (type == ScalarType.String)
        {
            return new PvArray(type, values.ToArray(), values.Length, null);
        }

        var a = Allocate(type, values.Length);
        values.AsReadOnlyBytes().CopyTo(a.WritableBytes);
        return a;
    }

    /// <summary>
    /// A new array of <paramref name="count"/> uninitialised elements to be filled through <see cref="WritableBytes"/> or
    /// <see cref="GetWritableSpan{T}"/>. Large arrays come from <paramref name="pool"/> (default: the shared pool).
    /// </summary>
    public static PvArray Allocate(ScalarType type, int count, FrameBufferPool? pool = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (type == ScalarType.String)
        {
            var strings = new string[count];
            System.Array.Fill(strings, string.Empty);
            return new PvArray(type, strings, count, null);
        }

        var bytes = checked(count * type.ElementSize());
        if (bytes >= FrameBufferPool.MinPooledBytes)
        {
            pool ??= FrameBufferPool.Shared;
            return new PvArray(type, pool.Rent(bytes), count, pool);
        }

        return new PvArray(type, bytes == 0 ? System.Array.Empty<byte>() : GC.AllocateUninitializedArray<byte>(bytes), count, null);
    }

    /// <summary>
    /// An array over <paramref name="count"/> elements already in host order inside a pooled <paramref name="buffer"/>
    /// at <paramref name="byteOffset"/> (a received message): the array takes the buffer over and returns it to
    /// <paramref name="pool"/> on its last release, so a large frame is not copied out of its message.
    /// </summary>
    internal static PvArray Adopt(ScalarType type, byte[] buffer, int byteOffset, int count, FrameBufferPool pool) =>
        new(type, buffer, count, pool, byteOffset);

    /// <summary>
    /// The elements as raw bytes in host byte order (empty for strings). This is the explicit way to reinterpret the
    /// elements (e.g. <c>MemoryMarshal.Cast&lt;byte, ushort&gt;</c> over a short[] to swap bytes).
    /// </summary>
    public ReadOnlySpan<byte> Bytes => RawBytes;

    /// <summary>
    /// The elements as raw bytes, for filling or changing an array this caller holds alone.
    /// Throws <see cref="InvalidOperationException"/> when the array is shared (see <see cref="GetExclusive"/>).
    /// </summary>
    public Span<byte> WritableBytes
    {
        get
        {
            ThrowIfShared();
            return RawBytes;
        }
    }

    /// <summary>The string elements (empty for other types).</summary>
    public ReadOnlySpan<string> Strings => _storage is string[] s ? s.AsSpan(0, Count) : [];

    /// <summary>The string elements, for filling an array this caller holds alone (throws when shared).</summary>
    public Span<string> WritableStrings
    {
        get
        {
            ThrowIfShared();
            return _storage is string[] s ? s.AsSpan(0, Count) : [];
        }
    }

    /// <summary>
    /// The elements as <typeparamref name="T"/>, which must be the element type's own CLR type (<c>byte</c> for ubyte,
    /// <c>sbyte</c> for byte, <c>bool</c> for boolean, ...); any other type throws <see cref="InvalidCastException"/>.
    /// </summary>
    public ReadOnlySpan<T> AsSpan<T>()
        where T : unmanaged
    {
        ThrowIfNotElementType<T>();
        return MemoryMarshal.Cast<byte, T>(RawBytes);
    }

    /// <summary>
    /// The elements as <typeparamref name="T"/> (the exact element type, as <see cref="AsSpan{T}"/>), for filling or
    /// changing an array this caller holds alone. Throws <see cref="InvalidOperationException"/> when it is shared.
    /// </summary>
    public Span<T> GetWritableSpan<T>()
        where T : unmanaged
    {
        ThrowIfNotElementType<T>();
        ThrowIfShared();
        return MemoryMarshal.Cast<byte, T>(RawBytes);
    }

    /// <summary>
    /// This array when the caller is its only owner; otherwise a copy (pooled like the original) that the caller's
    /// reference moves to: the caller's hold on this array is released, and the other owners keep seeing the old
    /// elements. Use the result in place of this array: <c>array = array.GetExclusive();</c>.
    /// </summary>
    public PvArray GetExclusive(FrameBufferPool? pool = null)
    {
        if (IsExclusive)
        {
            return this;
        }

        PvArray copy;
        if (ElementType == ScalarType.String)
        {
            copy = new PvArray(ElementType, Strings.ToArray(), Count, null);
        }
        else
        {
            copy = Allocate(ElementType, Count, pool ?? _pool);
            RawBytes.CopyTo(copy.RawBytes);
        }

        Dispose();
        return copy;
    }

    private Span<byte> RawBytes => ElementType == ScalarType.String
        ? []
        : MemoryMarshal.CreateSpan(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_storage), _byteOffset), ByteLength);

    private void ThrowIfShared()
    {
        var refs = Volatile.Read(ref _refs);
        if (refs != 1)
        {
            throw new InvalidOperationException(refs <= 0
                ? $"this {this} was released and may be reused by its pool"
                : $"this {this} is shared by {refs} owners (a queue, a subscriber, a clone or a send in flight) and must not change; " +
                  "write into array.GetExclusive() instead");
        }
    }

    private void ThrowIfNotElementType<T>()
    {
        if (typeof(T) != ElementType.ClrType())
        {
            throw new InvalidCastException(
                $"cannot view {ElementType.TypeName()}[] as {typeof(T).Name}[]: use {ElementType.ClrType().Name}, or reinterpret Bytes explicitly");
        }
    }

    /// <summary>The storage as a byte segment when it is a byte buffer (pooled frames), so it can be sent without a copy.</summary>
    internal bool TryGetByteSegment(out ArraySegment<byte> segment)
    {
        if (_storage is byte[] bytes && ElementType != ScalarType.String)
        {
            segment = new ArraySegment<byte>(bytes, _byteOffset, ByteLength);
            return true;
        }

        segment = default;
        return false;
    }

    /// <summary>Element <paramref name="index"/> converted to double.</summary>
    public double GetDouble(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
        var b = Bytes;
        return ElementType switch
        {
            ScalarType.Boolean => b[index] != 0 ? 1 : 0,
            ScalarType.Byte => (sbyte)b[index],
            ScalarType.UByte => b[index],
            ScalarType.Short => MemoryMarshal.Cast<byte, short>(b)[index],
            ScalarType.UShort => MemoryMarshal.Cast<byte, ushort>(b)[index],
            ScalarType.Int => MemoryMarshal.Cast<byte, int>(b)[index],
            ScalarType.UInt => MemoryMarshal.Cast<byte, uint>(b)[index],
            ScalarType.Long => MemoryMarshal.Cast<byte, long>(b)[index],
            ScalarType.ULong => MemoryMarshal.Cast<byte, ulong>(b)[index],
            ScalarType.Float => MemoryMarshal.Cast<byte, float>(b)[index],
            ScalarType.Double => MemoryMarshal.Cast<byte, double>(b)[index],
            _ => double.Parse(Strings[index], System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    /// <summary>Element <paramref name="index"/> as a boxed CLR value (bool, sbyte, ..., string).</summary>
    public object GetElement(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
        var b = Bytes;
        return ElementType switch
        {
            ScalarType.Boolean => b[index] != 0,
            ScalarType.Byte => (sbyte)b[index],
            ScalarType.UByte => b[index],
            ScalarType.Short => MemoryMarshal.Cast<byte, short>(b)[index],
            ScalarType.UShort => MemoryMarshal.Cast<byte, ushort>(b)[index],
            ScalarType.Int => MemoryMarshal.Cast<byte, int>(b)[index],
            ScalarType.UInt => MemoryMarshal.Cast<byte, uint>(b)[index],
            ScalarType.Long => MemoryMarshal.Cast<byte, long>(b)[index],
            ScalarType.ULong => MemoryMarshal.Cast<byte, ulong>(b)[index],
            ScalarType.Float => MemoryMarshal.Cast<byte, float>(b)[index],
            ScalarType.Double => MemoryMarshal.Cast<byte, double>(b)[index],
            _ => Strings[index],
        };
    }

    /// <summary>A copy of the elements as a CLR array of <typeparamref name="T"/> (exact element type required).</summary>
    public T[] ToArray<T>()
    {
        if (typeof(T) == typeof(string))
        {
            return (T[])(object)Strings.ToArray();
        }

        if (ScalarTypes.Of<T>() != ElementType)
        {
            throw new InvalidCastException($"cannot read {ElementType.TypeName()}[] as {typeof(T).Name}[]");
        }

        var result = new T[Count];
        Bytes.CopyTo(result.AsSpan().Cast());
        return result;
    }

    /// <summary>The elements converted to double.</summary>
    public double[] ToDoubleArray()
    {
        var result = new double[Count];
        for (var i = 0; i < Count; i++)
        {
            result[i] = GetDouble(i);
        }

        return result;
    }

    /// <summary>Adds an owner; each owner calls <see cref="Dispose"/> once.</summary>
    public PvArray Retain()
    {
        Interlocked.Increment(ref _refs);
        return this;
    }

    /// <summary>Drops an owner; the last one returns a pooled buffer to its pool.</summary>
    public void Dispose()
    {
        var left = Interlocked.Decrement(ref _refs);
        if (left == 0 && _pool is not null && _storage is byte[] bytes)
        {
            _pool.Return(bytes);
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{ElementType.TypeName()}[{Count}]";
}

file static class SpanCast
{
    // Lets ToArray<T> reinterpret a T[] span whose T is known (by the caller's check) to be an unmanaged scalar.
    public static Span<byte> Cast<T>(this Span<T> span) =>
        MemoryMarshal.CreateSpan(ref Unsafe.As<T, byte>(ref MemoryMarshal.GetReference(span)), span.Length * Unsafe.SizeOf<T>());

    public static ReadOnlySpan<byte> AsReadOnlyBytes<T>(this ReadOnlySpan<T> span) =>
        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<T, byte>(ref MemoryMarshal.GetReference(span)), span.Length * Unsafe.SizeOf<T>());
}
