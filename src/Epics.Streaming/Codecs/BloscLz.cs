namespace Epics.Streaming.Codecs;

/// <summary>
/// Decoder for BloscLZ, blosc's own LZ77 codec (a FastLZ level-1 descendant). A stream is a sequence of
/// instructions, each starting with a control byte c (the first one only counts its low 5 bits):
/// <list type="bullet">
/// <item>c &lt; 32: a literal run of c + 1 bytes follows.</item>
/// <item>otherwise a match: length (c &gt;&gt; 5) + 2, where 7 in the top bits means "add the following bytes
/// while they are 255, then the first one that is not"; then one byte d, the distance being
/// ((c &amp; 31) &lt;&lt; 8) + d + 1. When c &amp; 31 is 31 and d is 255 the distance is instead 8192 plus the next two
/// bytes (big-endian), reaching up to 73,727 bytes back.</item>
/// </list>
/// Encoders always end on a literal run, so input that stops right after a match is corrupt.
/// </summary>
internal static class BloscLz
{
    private const int NearDistance = 8191;

    /// <summary>Decodes <paramref name="input"/> into <paramref name="output"/>; returns the bytes written.</summary>
    /// <exception cref="InvalidDataException">The stream is corrupt or does not fit in <paramref name="output"/>.</exception>
    public static int Decode(ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (input.IsEmpty)
        {
            return 0;
        }

        var ip = 0;
        var op = 0;
        var ctrl = input[ip++] & 31;
        while (true)
        {
            if (ctrl < 32)
            {
                var run = ctrl + 1;
                if (run > input.Length - ip)
                {
                    throw Corrupt("a literal run is cut off");
                }

                if (run > output.Length - op)
                {
                    throw Corrupt("a literal run overruns the output");
                }

                input.Slice(ip, run).CopyTo(output[op..]);
                ip += run;
                op += run;
                if (ip == input.Length)
                {
                    return op;
                }

                ctrl = input[ip++];
                continue;
            }

            var length = (ctrl >> 5) + 2;
            var high = (ctrl & 31) << 8;
            if (ctrl >> 5 == 7)
            {
                int more;
                do
                {
                    if (ip == input.Length)
                    {
                        throw Corrupt("a match length is cut off");
                    }

                    more = input[ip++];
                    length += more;
                    if (length > output.Length - op)
                    {
                        throw Corrupt("a match overruns the output");
                    }
                }
                while (more == 255);
            }

            if (ip == input.Length)
            {
                throw Corrupt("a match distance is cut off");
            }

            var low = input[ip++];
            int distance;
            if (low == 255 && high == 31 << 8)
            {
                if (input.Length - ip < 2)
                {
                    throw Corrupt("a far match distance is cut off");
                }

                distance = ((input[ip] << 8) | input[ip + 1]) + NearDistance + 1;
                ip += 2;
            }
            else
            {
                distance = high + low + 1;
            }

            if (length > output.Length - op)
            {
                throw Corrupt("a match overruns the output");
            }

            if (distance > op)
            {
                throw Corrupt("a match refers to before the start of the output");
            }

            if (ip == input.Length)
            {
                throw Corrupt("the stream ends with a match");
            }

            ctrl = input[ip++];
            CopyMatch(output, op, distance, length);
            op += length;
        }
    }

    /// <summary>Copies an LZ77 match; when it overlaps its own output it repeats the last <paramref name="distance"/> bytes.</summary>
    private static void CopyMatch(Span<byte> output, int op, int distance, int length)
    {
        if (distance == 1)
        {
            output.Slice(op, length).Fill(output[op - 1]);
            return;
        }

        // Pieces of at most `distance` bytes never read bytes this copy is still writing.
        while (length > 0)
        {
            var n = Math.Min(distance, length);
            output.Slice(op - distance, n).CopyTo(output.Slice(op, n));
            op += n;
            length -= n;
        }
    }

    private static InvalidDataException Corrupt(string what) => new($"corrupt BloscLZ stream: {what}");
}
