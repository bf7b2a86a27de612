using BenchmarkDotNet.Attributes;
using Epics.Streaming.Codecs;

namespace Epics.Streaming.Benchmarks;

/// <summary>
/// The bitshuffle transform of 4 MiB of random data in 8 KiB blocks for each element size: 1, 2, 4 and 8 take the
/// vector paths, 3 and 16 the scalar one.
/// </summary>
[Config(typeof(QuickConfig))]
public class BitshuffleElementSizeBenchmarks
{
    private const int BufferBytes = 4 << 20;

    private byte[] _plain = [];
    private byte[] _shuffled = [];
    private byte[] _output = [];
    private int _blockElements;
    private int _blockBytes;

    /// <summary>Bytes per element.</summary>
    [Params(1, 2, 3, 4, 8, 16)]
    public int ElementSize { get; set; }

    /// <summary>Random data, shuffled once for the unshuffle case.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _plain = new byte[BufferBytes];
        new Random(42).NextBytes(_plain);
        _shuffled = new byte[BufferBytes];
        _output = new byte[BufferBytes];
        _blockElements = Bitshuffle.DefaultBlockElements(ElementSize);
        _blockBytes = _blockElements * ElementSize;
        Shuffle();
    }

    /// <summary>Bit-rows back to elements, block by block (a partial last block is left out).</summary>
    [Benchmark]
    [ProcessedBytes(BufferBytes)]
    public void Unshuffle()
    {
        for (var offset = 0; offset + _blockBytes <= BufferBytes; offset += _blockBytes)
        {
            Bitshuffle.Unshuffle(_shuffled.AsSpan(offset, _blockBytes), _output.AsSpan(offset, _blockBytes), _blockElements, ElementSize);
        }
    }

    /// <summary>Elements to bit-rows, block by block.</summary>
    [Benchmark]
    [ProcessedBytes(BufferBytes)]
    public void Shuffle()
    {
        for (var offset = 0; offset + _blockBytes <= BufferBytes; offset += _blockBytes)
        {
            Bitshuffle.Shuffle(_plain.AsSpan(offset, _blockBytes), _shuffled.AsSpan(offset, _blockBytes), _blockElements, ElementSize);
        }
    }
}
