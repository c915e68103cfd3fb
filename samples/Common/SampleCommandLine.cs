using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Globalization;
using Spectre.Console;

namespace MoreauGen.Samples.Common;

/// <summary>What both samples' command lines share: running a command with short error output, and reading steps.</summary>
public static class SampleCommandLine
{
    /// <summary>
    /// Parses <paramref name="args"/> with the command <paramref name="create"/> builds and runs it, writing tables,
    /// progress and help to <paramref name="output"/> and errors to <paramref name="error"/> (default: the process's
    /// console and standard error). A bad option prints its message and a one-line hint, not the whole help text.
    /// </summary>
    /// <param name="create">Builds the sample's root command for a console and an error writer.</param>
    /// <param name="args">The command-line arguments.</param>
    /// <param name="output">Where tables, progress and help go; null for the process's console.</param>
    /// <param name="error">Where errors go; null for standard error.</param>
    /// <returns>The command's exit code: 0 on success, 1 for a bad option, or the sample's own codes.</returns>
    public static int Run(Func<IAnsiConsole, TextWriter, RootCommand> create, IReadOnlyList<string> args, TextWriter? output, TextWriter? error)
    {
        ArgumentNullException.ThrowIfNull(create);
        return Run(context => create(context.Console, context.Error), args, output, error, CancellationToken.None);
    }

    /// <summary>
    /// As <see cref="Run(Func{IAnsiConsole, TextWriter, RootCommand}, IReadOnlyList{string}, TextWriter?, TextWriter?)"/>,
    /// with a request to stop: <paramref name="interrupt"/> (tests cancel it to simulate Ctrl-C), or when null the
    /// process's own Ctrl-C and SIGTERM (see <see cref="Interruption"/>). Whatever goes wrong ends in a one-line
    /// message and an exit code of <see cref="SampleExitCodes"/>, never in a stack trace.
    /// </summary>
    /// <param name="create">Builds the sample's root command for a <see cref="SampleContext"/>.</param>
    /// <param name="args">The command-line arguments.</param>
    /// <param name="output">Where tables, progress and help go; null for the process's console.</param>
    /// <param name="error">Where errors go; null for standard error.</param>
    /// <param name="interrupt">Cancelled to ask the command to stop after its current step; null: Ctrl-C and SIGTERM.</param>
    public static int Run(Func<SampleContext, RootCommand> create, IReadOnlyList<string> args, TextWriter? output, TextWriter? error,
                          CancellationToken? interrupt)
    {
        ArgumentNullException.ThrowIfNull(create);
        ArgumentNullException.ThrowIfNull(args);
        IAnsiConsole console = output is null ? SampleConsole.Out : SampleConsole.Create(output);
        output ??= Console.Out;
        error ??= Console.Error;
        using Interruption? listener = interrupt is null ? Interruption.Listen(error) : null;
        var context = new SampleContext(console, error, listener?.Token ?? interrupt!.Value);
        try
        {
            ParseResult parseResult = create(context).Parse(args);
            var configuration = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
            if (parseResult.Action is ParseErrorAction onError)
            {
                // The errors say what is wrong; a one-line hint beats the whole help text after them.
                onError.ShowHelp = false;
                int status = parseResult.Invoke(configuration);
                error.WriteLine("Run with --help to see every option.");
                return status;
            }

            return parseResult.Invoke(configuration);
        }
        catch (OutOfMemoryException)
        {
            error.WriteLine("Out of memory: the network or the data do not fit in this machine's memory; choose smaller sizes.");
            return SampleExitCodes.BadOption;
        }
        catch (IOException e)
        {
            error.WriteLine($"Cannot read or write a file: {OneLine(e.Message)}");
            return SampleExitCodes.OutputError;
        }
        catch (UnauthorizedAccessException e)
        {
            error.WriteLine($"Cannot read or write a file: {OneLine(e.Message)}");
            return SampleExitCodes.OutputError;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A bug: say what it was in one line (the stack trace helps no user).
            error.WriteLine($"Internal error ({e.GetType().Name}): {OneLine(e.Message)} Please report it with the command line.");
            return SampleExitCodes.InternalError;
        }
    }

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries));

    /// <summary>
    /// The value of <paramref name="option"/> in a command validator, or <paramref name="fallback"/> when the option
    /// was not given or its text did not convert (the parser reports that itself). Unlike
    /// <see cref="SymbolResult.GetValue{T}(Option{T})"/> it never throws, so a command validator cannot crash on a bad value.
    /// </summary>
    public static T ValueOr<T>(CommandResult result, Option<T> option, T fallback)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(option);
        if (result.GetResult(option) is not OptionResult optionResult || optionResult.Implicit)
            return fallback;
        return TryGetValue(optionResult, out T value) ? value : fallback;
    }

    /// <summary>Refuses an empty or blank path for <paramref name="option"/> (e.g. <c>--out ""</c>), suggesting <paramref name="example"/>.</summary>
    public static void NonEmptyPath(Option<string> option, string example)
    {
        ArgumentNullException.ThrowIfNull(option);
        option.Validators.Add(result =>
        {
            if (TryGetValue(result, out string? path) && string.IsNullOrWhiteSpace(path))
                result.AddError($"{option.Name}: the path is empty; give one, e.g. {option.Name} {example}.");
        });
    }

    /// <summary>Accepts only <paramref name="choices"/>, with a message that names the option (and shows them in the help).</summary>
    public static void OneOf(Option<string> option, string what, params string[] choices)
    {
        ArgumentNullException.ThrowIfNull(option);
        option.HelpName = string.Join('|', choices);
        option.Validators.Add(result =>
        {
            if (!TryGetValue(result, out string? value))
                return;
            if (!choices.Contains(value, StringComparer.Ordinal))
                result.AddError($"{option.Name}: '{value}' is not a valid {what}; choose {string.Join(", ", choices.SkipLast(1))} or {choices[^1]}.");
        });
    }

    /// <summary>
    /// The value of an option for a validator, or false when the text does not convert to <typeparamref name="T"/>
    /// (e.g. <c>--epochs 0x</c>). System.CommandLine runs an option's validators even when its value failed to convert,
    /// and <see cref="OptionResult.GetValueOrDefault{T}"/> then throws; the parser reports the conversion error itself
    /// ("Cannot parse argument '0x' for option '--epochs' …"), so a validator only has to stay out of its way.
    /// </summary>
    public static bool TryGetValue<T>(OptionResult result, out T value)
    {
        ArgumentNullException.ThrowIfNull(result);
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

    /// <summary>
    /// The positions in <paramref name="names"/> of a <c>--method</c> value: one name, a comma-separated list of names
    /// without repeats, or <c>both</c> (the first two names); null when <paramref name="text"/> names none.
    /// </summary>
    public static int[]? ParseNameList(string? text, IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        if (text is null)
            return null;
        if (text == "both")
            return [0, 1];
        var indices = new List<int>();
        foreach (string name in text.Split(',', StringSplitOptions.TrimEntries))
        {
            int index = names.ToList().IndexOf(name);
            if (index < 0 || indices.Contains(index))
                return null;
            indices.Add(index);
        }

        return [.. indices];
    }

    /// <summary>
    /// Reads a step written as a decimal (0.25), a fraction (1/4) or a power of two (2^-2, exponent within ±1000);
    /// true when it is positive and finite. The samples narrow the range further where they need to.
    /// </summary>
    public static bool TryParseStep(string text, out double step)
    {
        ArgumentNullException.ThrowIfNull(text);
        var inv = CultureInfo.InvariantCulture;
        text = text.Trim();
        step = double.NaN;
        if (text.StartsWith("2^", StringComparison.Ordinal))
        {
            if (int.TryParse(text.AsSpan(2), NumberStyles.AllowLeadingSign, inv, out int e) && Math.Abs(e) <= 1000)
                step = Math.ScaleB(1.0, e);
        }
        else if (text.IndexOf('/') is int slash and > 0)
        {
            if (double.TryParse(text.AsSpan(0, slash), NumberStyles.Float, inv, out double numerator)
                && double.TryParse(text.AsSpan(slash + 1), NumberStyles.Float, inv, out double denominator))
                step = numerator / denominator;
        }
        else if (double.TryParse(text, NumberStyles.Float, inv, out double value))
        {
            step = value;
        }

        return step > 0 && double.IsFinite(step);
    }
}
