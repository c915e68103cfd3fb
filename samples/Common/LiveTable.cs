using System.Globalization;
using Spectre.Console;

namespace MoreauGen.Samples.Common;

/// <summary>
/// A table printed a row at a time, as the results come (e.g. one row per training epoch), in fixed-width plain-text
/// columns: the user sees each row the moment it exists, not the whole table at the end. Numbers are formatted with
/// the invariant culture and right-aligned; a cell wider than its column widens that row only.
/// </summary>
/// <example>
/// <code>
/// var table = new LiveTable(console, ("method", 6), ("epoch", 5), ("test acc %", 10));
/// table.WriteHeader("784-500-300-100-10, squared loss");
/// table.WriteRow("sgd", 1, 84.12);   // printed at once
/// </code>
/// </example>
public sealed class LiveTable
{
    private readonly IAnsiConsole _console;
    private readonly (string Heading, int Width)[] _columns;
    private readonly Lock _lock = new();

    /// <summary>A table of the given column headings and minimum widths, written to <paramref name="console"/>.</summary>
    public LiveTable(IAnsiConsole console, params (string Heading, int Width)[] columns)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(columns);
        if (columns.Length == 0)
            throw new ArgumentException("A table needs at least one column.", nameof(columns));
        _console = console;
        _columns = [.. columns.Select(c => (c.Heading, Math.Max(c.Width, c.Heading.Length)))];
    }

    /// <summary>Format of double and float cells (invariant culture); default "G5".</summary>
    public string NumberFormat { get; set; } = "G5";

    /// <summary>Prints <paramref name="title"/> (if any), the column headings and a rule.</summary>
    public void WriteHeader(string? title = null)
    {
        lock (_lock)
        {
            if (title is not null)
                _console.WriteLine(title, Style.Plain);
            _console.WriteLine(string.Join("  ", _columns.Select(c => c.Heading.PadLeft(c.Width))), Style.Plain);
            _console.WriteLine(string.Join("  ", _columns.Select(c => new string('-', c.Width))), Style.Plain);
        }
    }

    /// <summary>Prints one row of one value per column at once; null prints as an empty cell.</summary>
    public void WriteRow(params object?[] cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        if (cells.Length != _columns.Length)
            throw new ArgumentException($"The row has {cells.Length} cells; the table has {_columns.Length} columns.", nameof(cells));
        var text = new string[cells.Length];
        for (int i = 0; i < cells.Length; i++)
        {
            var (cell, numeric) = Format(cells[i]);
            text[i] = numeric ? cell.PadLeft(_columns[i].Width) : cell.PadRight(_columns[i].Width);
        }

        lock (_lock)
            _console.WriteLine(string.Join("  ", text).TrimEnd(), Style.Plain);
    }

    private (string, bool) Format(object? value) => value switch
    {
        null => ("", false),
        string s => (s, double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _)), // "85.10" aligns as a number
        double d => (d.ToString(NumberFormat, CultureInfo.InvariantCulture), true),
        float f => (f.ToString(NumberFormat, CultureInfo.InvariantCulture), true),
        IFormattable formattable => (formattable.ToString(null, CultureInfo.InvariantCulture), true),
        _ => (value.ToString() ?? "", false),
    };
}
