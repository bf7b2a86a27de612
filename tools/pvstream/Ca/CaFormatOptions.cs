using System.CommandLine;
using Epics.Ca;
using Pvstream.Cli;

namespace Pvstream.Ca;

/// <summary>
/// How values are requested and printed by <c>ca get</c> and <c>ca monitor</c>, named as in caget/camonitor:
/// <c>-e/-f/-g &lt;n&gt;</c> number format, <c>-n</c> enums as numbers, and the element count.
/// </summary>
internal sealed class CaFormatOptions
{
    public CaFormatOptions(Command command)
    {
        foreach (var o in new[] { Exponent, Fixed, General })
        {
            command.Options.Add(o.Between(0, 17));
        }

        command.Options.Add(EnumAsNumber);
        command.Options.Add(Elements.AtLeast(1));
        command.Validators.Add(r =>
        {
            if (new[] { Exponent, Fixed, General }.Count(o => r.GetResult(o) is not null) > 1)
            {
                r.AddError("use only one of -e, -f, -g");
            }
        });
    }

    public Option<int?> Exponent { get; } = new("-e") { HelpName = "n", Description = "Print doubles as %.<n>e" };

    public Option<int?> Fixed { get; } = new("-f") { HelpName = "n", Description = "Print doubles as %.<n>f" };

    public Option<int?> General { get; } = new("-g") { HelpName = "n", Description = "Print doubles as %.<n>g (default %g)" };

    public Option<bool> EnumAsNumber { get; } = new("-n") { Description = "Enums as numbers (default: state names)" };

    public Option<int?> Elements { get; } = new("--elements")
    {
        HelpName = "N",
        Description = "Request N array elements (caget's -#; default: get all native elements, monitor the current count)",
    };

    public CaText GetText(ParseResult parse) => new(
        parse.GetValue(Exponent) is { } e ? new CNumberFormat('e', e)
        : parse.GetValue(Fixed) is { } f ? new CNumberFormat('f', f)
        : parse.GetValue(General) is { } g ? new CNumberFormat('g', g)
        : CNumberFormat.Default);

    /// <summary>The type the tools request for a native type: enums as strings unless <c>-n</c>.</summary>
    public DbrType ValueType(ParseResult parse, DbrType native) =>
        native == DbrType.Enum && !parse.GetValue(EnumAsNumber) ? DbrType.String : native;
}
