using BenchmarkDotNet.Attributes;
using Epics.Streaming.Codecs;

namespace Epics.Streaming.Benchmarks;

/// <summary>
/// The bitshuffle transform on uint16 data in 8 KiB blocks (4096 elements, what bslz4 uses by default), both ways, and
/// a full bslz4 chunk decode (LZ4 + unshuffle) of a 2048x2048 uint16 detector-like frame.
/// </summary>
[Config(typeof(QuickConfig))]
[MemoryDiagnoser]
public class BitshuffleBenchmarks
{
    private const int BufferBytes = 4 << 20;
    private const int BlockBytes = 8 << 10;
    private const int ElementSize = 2;
    private const int FrameSide = 2048;
    private const int FrameBytes = FrameSide * FrameSide * ElementSize;

    private byte[] _plain = [];
    private byte[] _shuffled = [];
    private byte[] _output = [];
    private byte[] _chunk = [];
    private byte[] _frame = [];

    /// <summary>Random data for the transform, a compressible frame for the filter.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _plain = new byte[BufferBytes];
        random.NextBytes(_plain);
        _shuffled = new byte[BufferBytes];
        Shuffle();
        _output = new byte[FrameBytes];

        // Low counts over a small background, as a photon-counting detector sees: the case bslz4 is made for.
        var frame = new ushort[FrameSide * FrameSide];
        for (var i = 0; i < frame.Length; i++)
        {
            frame[i] = (ushort)(random.Next(8) + (random.Next(64) == 0 ? random.Next(4000) : 0));
        }

        _frame = new byte[FrameBytes];
        Buffer.BlockCopy(frame, 0, _frame, 0, FrameBytes);
        _chunk = Bslz4Chunk.Encode(_frame, ElementSize);
        if (Bslz4Chunk.Decode(_chunk, _output, ElementSize) != FrameBytes || !_output.AsSpan().SequenceEqual(_frame))
        {
            throw new InvalidOperationException("bslz4 round trip failed");
        }
    }

    /// <summary>Bit-rows back to uint16 elements, block by block.</summary>
    [Benchmark]
    [ProcessedBytes(BufferBytes)]
    public void Unshuffle()
    {
        for (var offset = 0; offset < BufferBytes; offset += BlockBytes)
        {
            Bitshuffle.Unshuffle(_shuffled.AsSpan(offset, BlockBytes), _output.AsSpan(offset, BlockBytes), BlockBytes / ElementSize, ElementSize);
        }
    }

    /// <summary>uint16 elements to bit-rows, block by block.</summary>
    [Benchmark]
    [ProcessedBytes(BufferBytes)]
    public void Shuffle()
    {
        for (var offset = 0; offset < BufferBytes; offset += BlockBytes)
        {
            Bitshuffle.Shuffle(_plain.AsSpan(offset, BlockBytes), _shuffled.AsSpan(offset, BlockBytes), BlockBytes / ElementSize, ElementSize);
        }
    }

    /// <summary>One whole bslz4 chunk (the frame) decoded as the HDF5 reader does.</summary>
    [Benchmark]
    [ProcessedBytes(FrameBytes)]
    public int Bslz4Decode() => Bslz4Chunk.Decode(_chunk, _output, ElementSize);
}
