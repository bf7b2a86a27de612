using Epics.Streaming.Formats;

namespace Epics.Streaming.Tests;

/// <summary>Registers the file formats as the pvstream tool does.</summary>
internal static class WithFormats
{
    public static AdSimServerOptions Registered(this AdSimServerOptions options) => options with { FrameFormats = FileFormats.For(options) };
}
