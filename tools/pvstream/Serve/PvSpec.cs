using System.Globalization;
using Pvstream.Cli;

namespace Pvstream.Serve;

/// <summary>
/// One PV to serve, as typed on the command line or a line of a text file: <c>NAME=TYPE[:INIT][@RATE]</c>.
/// TYPE is a scalar type (<c>double</c>, <c>int</c>, <c>string</c>, ...) for an NTScalar, <c>TYPE[]</c> for an
/// NTScalarArray, <c>enum</c>, <c>counter</c>, <c>sine</c>, <c>image</c> or <c>add</c> (an RPC). RATE (Hz) applies to
/// counter, sine and image.
/// </summary>
internal sealed record PvSpec(string Name, string Kind, string? Init, double? Rate)
{
    public static PvSpec Parse(string text)
    {
        var eq = text.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0 || eq == text.Length - 1)
        {
            throw Bad(text, "expected NAME=TYPE[:INIT][@RATE]");
        }

        var name = text[..eq].Trim();
        var rest = text[(eq + 1)..];
        var colon = rest.IndexOf(':', StringComparison.Ordinal);
        var kind = (colon < 0 ? rest : rest[..colon]).Trim();
        var init = colon < 0 ? null : rest[(colon + 1)..];
        double? rate = null;

        // '@RATE' only means something for the generators; a string value may contain '@'.
        var at = kind.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            rate = ParseRate(text, kind[(at + 1)..]);
            kind = kind[..at];
        }
        else if (init is not null && IsGenerator(kind) && init.LastIndexOf('@') is var a and >= 0)
        {
            rate = ParseRate(text, init[(a + 1)..]);
            init = init[..a];
        }

        if (name.Length == 0 || name.Any(char.IsWhiteSpace))
        {
            throw Bad(text, "the PV name must be non-empty without spaces");
        }

        if (rate is not null && !IsGenerator(kind))
        {
            throw Bad(text, "@RATE applies only to counter, sine and image");
        }

        return new PvSpec(name, kind.ToLowerInvariant(), init is { Length: 0 } ? null : init, rate);
    }

    public static bool IsGenerator(string kind) => kind.ToLowerInvariant() is "counter" or "sine" or "image";

    public static CliException Bad(string spec, string why) => new($"Error: PV spec '{spec}': {why}", ExitCodes.BadInput);

    private static double ParseRate(string spec, string text) =>
        double.TryParse(text.Trim().TrimEnd('z', 'Z').TrimEnd('h', 'H'), NumberStyles.Float, CultureInfo.InvariantCulture, out var r) && r is > 0 and <= 10000
            ? r
            : throw Bad(spec, $"rate '{text}' must be a number of Hz in (0, 10000]");

    public override string ToString() => $"{Name}={Kind}{(Init is null ? string.Empty : ":" + Init)}{(Rate is null ? string.Empty : "@" + Rate.Value.ToString(CultureInfo.InvariantCulture))}";
}
