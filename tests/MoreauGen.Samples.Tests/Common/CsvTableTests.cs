using System.Globalization;
using MoreauGen.Samples.Common;

namespace MoreauGen.Samples.Tests.Common;

/// <summary>CSV files: invariant culture under a hostile one, exact round trip, quoting, atomic save.</summary>
public sealed class CsvTableTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static readonly double[] Values =
    [
        -1.5, Math.PI, -Math.E, 0.1, 1.0 / 3, 1e-300, -2.5e300, double.Epsilon, double.MaxValue, -0.0, 0,
        123456789.123456789, 2.0 / 3 * 1e-7,
    ];

    [Fact]
    public void Numbers_are_written_in_invariant_culture_under_a_comma_and_unicode_minus_culture()
    {
        string path = _folder.File("curves.csv");
        using (new CultureScope())
        {
            // The culture really is hostile: without the invariant culture these would come out as "−1,5".
            Assert.Equal("\u22121,5", (-1.5).ToString(CultureInfo.CurrentCulture));

            var csv = new CsvTable("method", "iteration", "cost", "single", "flag");
            for (int i = 0; i < Values.Length; i++)
                csv.AddRow("morgd", -i, Values[i], (float)Values[i], i % 2 == 0);
            csv.AddRow("gd", 13, double.NaN, float.PositiveInfinity, null);
            csv.AddRow("gd", 14, double.NegativeInfinity, -0.25f, false);
            csv.Save(path);
        }

        string text = File.ReadAllText(path);
        Assert.DoesNotContain('\u2212', text);
        Assert.DoesNotContain("∞", text);
        Assert.StartsWith("method,iteration,cost,single,flag\nmorgd,0,-1.5,-1.5,true\n", text);
        Assert.Contains("morgd,-1,3.141592653589793,3.1415927,false\n", text);
        Assert.Contains("gd,13,NaN,Infinity,\n", text);
        Assert.Contains("gd,14,-Infinity,-0.25,false\n", text);
    }

    [Fact]
    public void Every_double_and_float_reads_back_bit_for_bit()
    {
        string path = _folder.File("round-trip.csv");
        var random = new Random(3);
        var doubles = Values.Concat(Enumerable.Range(0, 200).Select(_ => BitConverter.Int64BitsToDouble(random.NextInt64())))
                            .Where(double.IsFinite).ToArray();
        using (new CultureScope())
        {
            var csv = new CsvTable("double", "float");
            foreach (double v in doubles)
                csv.AddRow(v, (float)v);
            csv.Save(path);
        }

        var loaded = CsvTable.Load(path);
        Assert.Equal(doubles.Length, loaded.RowCount);
        for (int i = 0; i < doubles.Length; i++)
        {
            Assert.Equal(BitConverter.DoubleToInt64Bits(doubles[i]), BitConverter.DoubleToInt64Bits(loaded.GetDouble(i, "double")));
            float single = float.Parse(loaded.Cell(i, "float"), CultureInfo.InvariantCulture);
            Assert.Equal(BitConverter.SingleToInt32Bits((float)doubles[i]), BitConverter.SingleToInt32Bits(single));
        }
    }

    [Fact]
    public void Cells_with_commas_quotes_and_line_breaks_are_quoted_and_read_back()
    {
        string path = _folder.File("text.csv");
        var csv = new CsvTable("name", "note");
        csv.AddRow("a,b", "say \"hi\"");
        csv.AddRow("two\nlines", "");
        csv.Save(path);

        Assert.Equal("name,note\n\"a,b\",\"say \"\"hi\"\"\"\n\"two\nlines\",\n", File.ReadAllText(path));
        var loaded = CsvTable.Load(path);
        Assert.Equal(["name", "note"], loaded.Header);
        Assert.Equal(["a,b", "say \"hi\""], loaded.Row(0));
        Assert.Equal(["two\nlines", ""], loaded.Row(1));
    }

    [Fact]
    public void A_row_with_the_wrong_number_of_cells_is_refused()
    {
        var csv = new CsvTable("a", "b");
        var e = Assert.Throws<ArgumentException>(() => csv.AddRow(1, 2, 3));
        Assert.Contains("3 cells", e.Message);
    }

    [Fact]
    public void Saving_again_replaces_the_file_and_leaves_no_temporary_file()
    {
        string path = _folder.File("epochs.csv");
        var csv = new CsvTable("epoch", "loss");
        csv.AddRow(1, 0.5).Save(path);
        csv.AddRow(2, 0.25).Save(path);
        Assert.Equal("epoch,loss\n1,0.5\n2,0.25\n", File.ReadAllText(path));
        Assert.Equal(["epochs.csv"], _folder.FileNames());
    }
}
