using System.CommandLine;
using System.CommandLine.Parsing;

namespace Pvstream.Cli;

/// <summary>
/// Range checks for numeric options, shared by the subcommands. A value that is not a number at all
/// (<c>-w abc</c>) is one clear usage error, never an exception from inside a validator.
/// </summary>
internal static class OptionChecks
{
    /// <summary><c>-w</c>-style seconds: a positive number below a million.</summary>
    public static Option<double> PositiveSeconds(this Option<double> option) =>
        option.Require(static v => v is > 0 and < 1e6, "must be a positive number of seconds");

    /// <summary>A rate in Hz: a positive, finite number.</summary>
    public static Option<double> PositiveRate(this Option<double> option) =>
        option.Require(static v => v > 0 && double.IsFinite(v), "must be a positive number of frames per second");

    /// <summary>A count of at least <paramref name="minimum"/>.</summary>
    public static Option<int?> AtLeast(this Option<int?> option, int minimum) =>
        option.Require(v => v is null || v >= minimum, $"must be at least {minimum}");

    /// <summary>A count of at least <paramref name="minimum"/>.</summary>
    public static Option<int> AtLeast(this Option<int> option, int minimum) =>
        option.Require(v => v >= minimum, $"must be at least {minimum}");

    /// <summary>A number from <paramref name="minimum"/> to <paramref name="maximum"/>.</summary>
    public static Option<int?> Between(this Option<int?> option, int minimum, int maximum) =>
        option.Require(v => v is null || (v >= minimum && v <= maximum), $"takes a number from {minimum} to {maximum}");

    /// <summary>
    /// Adds a validator: "<c>-w: 'abc' is not a number</c>" when the text does not convert, "<c>-w must ...</c>" when
    /// <paramref name="valid"/> refuses the value. Defaults are not checked.
    /// </summary>
    public static Option<T> Require<T>(this Option<T> option, Func<T, bool> valid, string requirement)
    {
        option.Validators.Add(r =>
        {
            if (r.Tokens.Count == 0)
            {
                return;
            }

            if (!TryGetValue(r, out T value))
            {
                r.AddError($"{ShortName(option)}: '{r.Tokens[0].Value}' is not {Kind<T>()}");
            }
            else if (!valid(value))
            {
                r.AddError($"{ShortName(option)} {requirement}");
            }
        });
        return option;
    }

    /// <summary>
    /// Applies <paramref name="check"/> to the option of <paramref name="command"/> spelt <paramref name="spelling"/>,
    /// for commands whose options are built inside their own factory; returns the command.
    /// </summary>
    public static Command WithOptionCheck<T>(this Command command, string spelling, Func<Option<T>, Option<T>> check)
    {
        var option = command.Options.OfType<Option<T>>().FirstOrDefault(o => o.Name == spelling || o.Aliases.Contains(spelling))
            ?? throw new InvalidOperationException($"{command.Name} has no option {spelling} of type {typeof(T).Name}");
        check(option);
        return command;
    }

    /// <summary>The shortest spelling users type (<c>-w</c> rather than <c>--timeout</c>).</summary>
    public static string ShortName(Option option) => option.Aliases.Prepend(option.Name).MinBy(s => s.Length)!;

    private static bool TryGetValue<T>(OptionResult result, out T value)
    {
        // GetValueOrDefault throws when the text does not convert; that is the answer we want, not a crash.
        try
        {
            value = result.GetValueOrDefault<T>();
            return true;
        }
        catch (InvalidOperationException)
        {
            value = default!;
            return false;
        }
    }

    private static string Kind<T>() =>
        typeof(T) == typeof(int) || typeof(T) == typeof(int?) || typeof(T) == typeof(long) ? "a whole number" : "a number";
}
