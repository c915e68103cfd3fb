using System.Globalization;
using System.Text;
using MoreauGen.Data;

namespace MoreauGen.Samples.Common;

/// <summary>
/// A CSV table built row by row and written with the invariant culture whatever the user's locale: '.' decimal
/// point, '-' minus, numbers in shortest round-trip form (reading a cell back with <see cref="double.Parse(string, IFormatProvider)"/>
/// and <see cref="CultureInfo.InvariantCulture"/> gives the very same double). Cells holding ',', '"', or a line
/// break are quoted (RFC 4180). Files are UTF-8 without BOM, '\n' line endings, written atomically (temporary file
/// + rename): re-save the whole table after each epoch or grid point and a crash never leaves half a file.
/// </summary>
/// <example>
/// <code>
/// var csv = new CsvTable("horizon", "method", "step", "iteration", "cost", "best_cost");
/// csv.AddRow(50, "gd", 0.25, 0, 12.5, 12.5);
/// csv.Save(output.PathOf("curves.csv"));
/// </code>
/// </example>
public sealed class CsvTable
{
    private readonly List<string[]> _rows = [];
    private readonly string[] _header;

    /// <summary>A table with the given column names (the header line).</summary>
    public CsvTable(params string[] header)
    {
        ArgumentNullException.ThrowIfNull(header);
        if (header.Length == 0)
            throw new ArgumentException("A CSV table needs at least one column.", nameof(header));
        if (header.Distinct(StringComparer.Ordinal).Count() != header.Length)
            throw new ArgumentException($"Column names must be distinct: {string.Join(", ", header)}.", nameof(header));
        _header = [.. header];
    }

    /// <summary>The column names.</summary>
    public IReadOnlyList<string> Header => _header;

    /// <summary>Number of data rows (the header not counted).</summary>
    public int RowCount => _rows.Count;

    /// <summary>
    /// Appends a row of one value per column. Numbers (double, float, Half, decimal, integers) are formatted with the
    /// invariant culture, floating-point ones in round-trip form; NaN and infinities as <c>NaN</c>, <c>Infinity</c>,
    /// <c>-Infinity</c>; bool as <c>true</c>/<c>false</c>; null as an empty cell; anything else by its ToString.
    /// </summary>
    public CsvTable AddRow(params object?[] cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        if (cells.Length != _header.Length)
            throw new ArgumentException($"The row has {cells.Length} cells; the table has {_header.Length} columns ({string.Join(", ", _header)}).", nameof(cells));
        _rows.Add(Array.ConvertAll(cells, Format));
        return this;
    }

    /// <summary>The text of the cell at <paramref name="row"/> in column <paramref name="column"/>.</summary>
    public string Cell(int row, string column) => _rows[row][ColumnIndex(column)];

    /// <summary>The cell parsed as a double with the invariant culture.</summary>
    public double GetDouble(int row, string column) => double.Parse(Cell(row, column), NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>The formatted cells of row <paramref name="row"/>.</summary>
    public IReadOnlyList<string> Row(int row) => _rows[row];

    /// <summary>The index of <paramref name="column"/> in the header.</summary>
    public int ColumnIndex(string column)
    {
        int index = Array.IndexOf(_header, column);
        return index >= 0 ? index : throw new ArgumentException($"No column '{column}'; the columns are {string.Join(", ", _header)}.", nameof(column));
    }

    /// <summary>The whole table as CSV text (header first, '\n' after every line).</summary>
    public string ToCsv()
    {
        var text = new StringBuilder();
        AppendLine(text, _header);
        foreach (string[] row in _rows)
            AppendLine(text, row);
        return text.ToString();
    }

    /// <summary>Writes the table to <paramref name="path"/> atomically (the folder must exist).</summary>
    public void Save(string path)
    {
        byte[] bytes = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(ToCsv());
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    /// <summary>Reads a CSV file written by <see cref="Save"/> (or any RFC 4180 file with a header line).</summary>
    /// <exception cref="FormatException">A row has another number of cells than the header, or a quote is not closed.</exception>
    public static CsvTable Load(string path)
    {
        var lines = Parse(File.ReadAllText(path, Encoding.UTF8), path);
        if (lines.Count == 0)
            throw new FormatException($"'{path}' is empty: a CSV table needs a header line.");
        var table = new CsvTable(lines[0]);
        for (int i = 1; i < lines.Count; i++)
        {
            if (lines[i].Length != table._header.Length)
                throw new FormatException($"'{path}' line {i + 1} has {lines[i].Length} cells; the header has {table._header.Length}.");
            table._rows.Add(lines[i]);
        }
        return table;
    }

    private static string Format(object? value) => value switch
    {
        null => "",
        string s => s,
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        Half h => h.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static void AppendLine(StringBuilder text, string[] cells)
    {
        for (int i = 0; i < cells.Length; i++)
        {
            if (i > 0)
                text.Append(',');
            string cell = cells[i];
            if (cell.AsSpan().IndexOfAny(",\"\r\n") >= 0)
                text.Append('"').Append(cell.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
            else
                text.Append(cell);
        }
        text.Append('\n');
    }

    private static List<string[]> Parse(string text, string path)
    {
        var lines = new List<string[]>();
        var cells = new List<string>();
        var cell = new StringBuilder();
        int i = 0;
        bool lineHasContent = false;
        while (i < text.Length)
        {
            char c = text[i];
            if (c == '"' && cell.Length == 0)
            {
                // Quoted cell: runs to the matching quote; "" inside stands for one quote.
                i++;
                while (true)
                {
                    if (i >= text.Length)
                        throw new FormatException($"'{path}' ends inside a quoted cell.");
                    if (text[i] == '"')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '"')
                        {
                            cell.Append('"');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    cell.Append(text[i++]);
                }
                lineHasContent = true;
                continue;
            }
            if (c == ',')
            {
                cells.Add(cell.ToString());
                cell.Clear();
                lineHasContent = true;
                i++;
                continue;
            }
            if (c is '\r' or '\n')
            {
                if (lineHasContent || cell.Length > 0)
                {
                    cells.Add(cell.ToString());
                    lines.Add([.. cells]);
                }
                cells.Clear();
                cell.Clear();
                lineHasContent = false;
                i += c == '\r' && i + 1 < text.Length && text[i + 1] == '\n' ? 2 : 1;
                continue;
            }
            cell.Append(c);
            i++;
        }
        if (lineHasContent || cell.Length > 0)
        {
            cells.Add(cell.ToString());
            lines.Add([.. cells]);
        }
        return lines;
    }
}
