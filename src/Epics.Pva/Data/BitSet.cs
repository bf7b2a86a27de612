using System.Numerics;
using System.Text;

namespace Epics.Pva.Data;

/// <summary>
/// A growable set of non-negative bit numbers, as used for "changed" and "overrun" field marks (pva-protocol §2.5).
/// Reusable: <see cref="Clear()"/> keeps the storage.
/// </summary>
public sealed class BitSet : IEquatable<BitSet>
{
    private ulong[] _words;

    /// <summary>An empty set.</summary>
    public BitSet() => _words = [];

    private BitSet(ulong[] words) => _words = words;

    /// <summary>An empty set with room for <paramref name="capacity"/> bits (it still grows when needed).</summary>
    public static BitSet WithCapacity(int capacity) => new(new ulong[(capacity + 63) >> 6]);

    /// <summary>A set holding <paramref name="bits"/>.</summary>
    public BitSet(params ReadOnlySpan<int> bits)
        : this()
    {
        foreach (var b in bits)
        {
            Set(b);
        }
    }

    /// <summary>The words backing the set (bit k is bit k%64 of word k/64); trailing words may be zero.</summary>
    internal ReadOnlySpan<ulong> Words => _words;

    /// <summary>True when no bit is set.</summary>
    public bool IsEmpty
    {
        get
        {
            foreach (var w in _words)
            {
                if (w != 0)
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>Number of bits set.</summary>
    public int Count
    {
        get
        {
            var n = 0;
            foreach (var w in _words)
            {
                n += BitOperations.PopCount(w);
            }

            return n;
        }
    }

    /// <summary>Whether bit <paramref name="bit"/> is set.</summary>
    public bool this[int bit] => Get(bit);

    /// <summary>Whether bit <paramref name="bit"/> is set.</summary>
    public bool Get(int bit)
    {
        var w = bit >> 6;
        return bit >= 0 && w < _words.Length && (_words[w] & (1UL << bit)) != 0;
    }

    /// <summary>Sets bit <paramref name="bit"/>.</summary>
    public void Set(int bit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bit);
        var w = bit >> 6;
        EnsureWords(w + 1);
        _words[w] |= 1UL << bit;
    }

    /// <summary>Sets bits <paramref name="from"/> (inclusive) to <paramref name="to"/> (exclusive).</summary>
    public void SetRange(int from, int to)
    {
        for (var b = from; b < to; b++)
        {
            Set(b);
        }
    }

    /// <summary>Clears bit <paramref name="bit"/>.</summary>
    public void Clear(int bit)
    {
        var w = bit >> 6;
        if (bit >= 0 && w < _words.Length)
        {
            _words[w] &= ~(1UL << bit);
        }
    }

    /// <summary>Clears every bit, keeping the storage.</summary>
    public void Clear() => _words.AsSpan().Clear();

    /// <summary>Clears bits <paramref name="from"/> (inclusive) to <paramref name="to"/> (exclusive).</summary>
    public void ClearRange(int from, int to)
    {
        for (var b = NextSetBit(from); b >= 0 && b < to; b = NextSetBit(b + 1))
        {
            Clear(b);
        }
    }

    /// <summary>The lowest set bit ≥ <paramref name="from"/>, or -1.</summary>
    public int NextSetBit(int from)
    {
        if (from < 0)
        {
            from = 0;
        }

        var w = from >> 6;
        if (w >= _words.Length)
        {
            return -1;
        }

        var word = _words[w] & (ulong.MaxValue << from);
        while (true)
        {
            if (word != 0)
            {
                return (w << 6) + BitOperations.TrailingZeroCount(word);
            }

            if (++w >= _words.Length)
            {
                return -1;
            }

            word = _words[w];
        }
    }

    /// <summary>Whether any bit in [<paramref name="from"/>, <paramref name="to"/>) is set.</summary>
    public bool AnyInRange(int from, int to)
    {
        var b = NextSetBit(from);
        return b >= 0 && b < to;
    }

    /// <summary>Adds every bit of <paramref name="other"/>.</summary>
    public void Or(BitSet other)
    {
        EnsureWords(other._words.Length);
        for (var i = 0; i < other._words.Length; i++)
        {
            _words[i] |= other._words[i];
        }
    }

    /// <summary>Keeps only the bits also in <paramref name="other"/>.</summary>
    public void And(BitSet other)
    {
        for (var i = 0; i < _words.Length; i++)
        {
            _words[i] &= i < other._words.Length ? other._words[i] : 0;
        }
    }

    /// <summary>Replaces the contents with those of <paramref name="other"/>.</summary>
    public void CopyFrom(BitSet other)
    {
        Clear();
        Or(other);
    }

    /// <summary>Clears every bit ≥ <paramref name="count"/> (bits beyond a structure's fields are noise).</summary>
    public void Truncate(int count)
    {
        for (var w = count >> 6; w < _words.Length; w++)
        {
            var keepBits = count - (w << 6);
            _words[w] &= keepBits <= 0 ? 0 : keepBits >= 64 ? ulong.MaxValue : (1UL << keepBits) - 1;
        }
    }

    /// <summary>Number of bytes the wire encoding needs: up to the highest non-zero byte.</summary>
    internal int WireByteCount()
    {
        for (var w = _words.Length - 1; w >= 0; w--)
        {
            if (_words[w] != 0)
            {
                return (w << 3) + ((64 - BitOperations.LeadingZeroCount(_words[w]) + 7) >> 3);
            }
        }

        return 0;
    }

    internal Span<ulong> WritableWords(int count)
    {
        EnsureWords(count);
        return _words;
    }

    private void EnsureWords(int count)
    {
        if (count > _words.Length)
        {
            System.Array.Resize(ref _words, Math.Max(count, _words.Length * 2));
        }
    }

    /// <summary>The set bits in increasing order.</summary>
    public IEnumerable<int> GetBits()
    {
        for (var b = NextSetBit(0); b >= 0; b = NextSetBit(b + 1))
        {
            yield return b;
        }
    }

    /// <inheritdoc />
    public bool Equals(BitSet? other)
    {
        if (other is null)
        {
            return false;
        }

        var n = Math.Max(_words.Length, other._words.Length);
        for (var i = 0; i < n; i++)
        {
            var a = i < _words.Length ? _words[i] : 0;
            var b = i < other._words.Length ? other._words[i] : 0;
            if (a != b)
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as BitSet);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var b in GetBits())
        {
            h.Add(b);
        }

        return h.ToHashCode();
    }

    /// <summary>The set as <c>{1, 3, 4}</c>.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder("{");
        foreach (var b in GetBits())
        {
            sb.Append(sb.Length > 1 ? ", " : string.Empty).Append(b);
        }

        return sb.Append('}').ToString();
    }
}
