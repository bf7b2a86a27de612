using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Epics.Pva.Protocol;

/// <summary>Throw helpers that keep the decoders' hot paths small.</summary>
internal static class ProtocolErrors
{
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Throw(string message) => throw new PvaProtocolException(message);

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static T Throw<T>(string message) => throw new PvaProtocolException(message);

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Truncated(int needed, int remaining) =>
        throw new PvaProtocolException($"message truncated: needed {needed} more bytes, {remaining} left");
}
