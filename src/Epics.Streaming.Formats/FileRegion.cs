using Microsoft.Win32.SafeHandles;

namespace Epics.Streaming.Formats;

/// <summary>Positional reads of whole regions, shared by the sources that read frames on demand from files.</summary>
internal static class FileRegion
{
    /// <summary>Fills <paramref name="target"/> from <paramref name="offset"/>; false when the file ends first.</summary>
    public static bool TryReadExactly(SafeFileHandle handle, Span<byte> target, long offset)
    {
        var read = 0;
        while (read < target.Length)
        {
            var n = RandomAccess.Read(handle, target[read..], offset + read);
            if (n <= 0)
            {
                return false;
            }

            read += n;
        }

        return true;
    }
}
