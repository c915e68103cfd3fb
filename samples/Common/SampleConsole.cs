using Spectre.Console;

namespace MoreauGen.Samples.Common;

/// <summary>
/// The console the samples write tables and progress to. On a terminal it is Spectre.Console's own; when output is
/// redirected (CI, tests, <c>| tee log</c>) it is a plain, non-interactive console <see cref="RedirectedWidth"/>
/// columns wide, so tables do not wrap at 80 columns and no escape codes reach the log.
/// </summary>
public static class SampleConsole
{
    /// <summary>Width used when output is redirected.</summary>
    public const int RedirectedWidth = 160;

    private static readonly Lazy<IAnsiConsole> Default = new(() =>
        Console.IsOutputRedirected ? Create(Console.Out, interactive: false) : AnsiConsole.Console);

    /// <summary>The console for this process (see the class remarks).</summary>
    public static IAnsiConsole Out => Default.Value;

    /// <summary>
    /// A console writing to <paramref name="writer"/>: without ANSI codes and, unless <paramref name="interactive"/>,
    /// without live displays (progress then prints plain lines). Tests capture output with a <see cref="StringWriter"/>.
    /// </summary>
    public static IAnsiConsole Create(TextWriter writer, bool interactive = false, int width = RedirectedWidth)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Yes : InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = width;
        return console;
    }
}
