using System.Globalization;
using Spectre.Console;

namespace MoreauGen.Samples.Common;

/// <summary>
/// A table for the console (Spectre.Console), with numbers formatted by the invariant culture and right-aligned.
/// Cells are shown as given, never parsed as markup, so "[1e-3]" prints as is.
/// </summary>
/// <example>
/// <code>
/// var table = new ConsoleTable("method", "step", "cost@0", "cost@50") { Title = "τ = 50" };
/// table.AddRow("gd", 0.25, 12.5, 0.031);
/// table.Write();
/// </code>
/// </example>
public sealed class ConsoleTable
{
    private readonly string[] _columns;
    private readonly List<(string Text, bool Numeric)[]> _rows = [];

    /// <summary>A table with the given column headings.</summary>
    public ConsoleTable(params string[] columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        if (columns.Length == 0)
            throw new ArgumentException("A table needs at least one column.", nameof(columns));
        _columns = [.. columns];
    }

    /// <summary>Optional heading printed above the table.</summary>
    public string? Title { get; set; }

    /// <summary>Format of double and float cells (invariant culture); default "G6" (six significant digits).</summary>
    public string NumberFormat { get; set; } = "G6";

    /// <summary>Number of rows added.</summary>
    public int RowCount => _rows.Count;

    /// <summary>Appends a row of one value per column; null prints as an empty cell.</summary>
    public ConsoleTable AddRow(params object?[] cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        if (cells.Length != _columns.Length)
            throw new ArgumentException($"The row has {cells.Length} cells; the table has {_columns.Length} columns.", nameof(cells));
        _rows.Add(Array.ConvertAll(cells, Format));
        return this;
    }

    /// <summary>Prints the table to <paramref name="console"/> (default <see cref="SampleConsole.Out"/>).</summary>
    public void Write(IAnsiConsole? console = null)
    {
        console ??= SampleConsole.Out;
        var table = new Table();
        if (Title is not null)
            table.Title = new TableTitle(Markup.Escape(Title));
        for (int c = 0; c < _columns.Length; c++)
        {
            // A column whose cells are all numbers (or empty) is right-aligned.
            bool numeric = _rows.Count > 0 && _rows.All(r => r[c].Numeric || r[c].Text.Length == 0);
            var column = new TableColumn(new Text(_columns[c]));
            table.AddColumn(numeric ? column.RightAligned() : column);
        }
        foreach (var row in _rows)
            table.AddRow(row.Select(cell => (Spectre.Console.Rendering.IRenderable)new Text(cell.Text)));
        console.Write(table);
    }

    private (string, bool) Format(object? value) => value switch
    {
        null => ("", false),
        string s => (s, false),
        double d => (d.ToString(NumberFormat, CultureInfo.InvariantCulture), true),
        float f => (f.ToString(NumberFormat, CultureInfo.InvariantCulture), true),
        bool b => (b ? "true" : "false", false),
        IFormattable formattable when IsNumber(value) => (formattable.ToString(null, CultureInfo.InvariantCulture), true),
        IFormattable formattable => (formattable.ToString(null, CultureInfo.InvariantCulture), false),
        _ => (value.ToString() ?? "", false),
    };

    private static bool IsNumber(object value) =>
        value is sbyte or byte or short or ushort or int or uint or long or ulong or decimal or Half;
}
