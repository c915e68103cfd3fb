using System.Globalization;
using MoreauGen.Data;
using ScottPlot;

namespace MoreauGen.Samples.Common;

/// <summary>
/// A figure of line-plot panels side by side (one row), saved as a PNG without any display. Each panel has a title,
/// axis labels, a legend and one line per series; a series keeps the same colour in every panel (colours are given
/// per series label, in order of first use), so "gd" in the left panel matches "gd" in the right one.
/// </summary>
/// <example>
/// <code>
/// var figure = new LinePlot();
/// foreach (int horizon in horizons)
/// {
///     var panel = figure.AddPanel($"τ = {horizon}", "iteration", "cost", logY: true);
///     panel.AddSeries("GD", iterations, gdCost);
///     panel.AddSeries("MorGD", iterations, morgdCost);
/// }
/// figure.SavePng(output.PathOf("cost.png"));
/// </code>
/// </example>
public sealed class LinePlot
{
    /// <summary>The ratio of the largest to the smallest value above which an automatic axis (logY: null) is logarithmic.</summary>
    public const double AutoLogRatio = 20;

    private readonly List<LinePanel> _panels = [];
    private readonly List<string> _seriesLabels = [];

    /// <summary>The panels, left to right.</summary>
    public IReadOnlyList<LinePanel> Panels => _panels;

    /// <summary>
    /// Adds a panel to the right of the others. With <paramref name="logY"/> true the y axis is logarithmic (base 10):
    /// points with y ≤ 0 cannot be shown and are left out. With null it is logarithmic when the values are positive and
    /// span more than a factor <see cref="AutoLogRatio"/> (so a curve that ends 30× lower than another shows it).
    /// </summary>
    public LinePanel AddPanel(string title, string xLabel, string yLabel, bool? logY = false)
    {
        var panel = new LinePanel(this, title, xLabel, yLabel, logY);
        _panels.Add(panel);
        return panel;
    }

    /// <summary>
    /// Renders the figure (<paramref name="panelWidth"/> pixels per panel, <paramref name="height"/> pixels high) and
    /// writes it as a PNG to <paramref name="path"/>, atomically. The folder must exist.
    /// </summary>
    public void SavePng(string path, int panelWidth = 640, int height = 480)
    {
        byte[] png = RenderPng(panelWidth, height);
        AtomicFile.Write(path, stream => stream.Write(png));
    }

    /// <summary>Renders the figure and returns the PNG file's bytes.</summary>
    public byte[] RenderPng(int panelWidth = 640, int height = 480)
    {
        if (_panels.Count == 0)
            throw new InvalidOperationException("The figure has no panel: call AddPanel first.");
        ArgumentOutOfRangeException.ThrowIfLessThan(panelWidth, 100);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 100);

        var multiplot = new Multiplot { Layout = new ScottPlot.MultiplotLayouts.Columns() };
        multiplot.AddPlots(_panels.Count);
        for (int i = 0; i < _panels.Count; i++)
            _panels[i].Draw(multiplot.GetPlot(i));
        using var image = multiplot.Render(panelWidth * _panels.Count, height);
        return image.GetImageBytes(ImageFormat.Png, 100);
    }

    /// <summary>DejaVu Sans when installed (fonts-dejavu-core); otherwise ScottPlot's own choice.</summary>
    internal static string? SansFont { get; } = FindSans();

    private static string? FindSans()
    {
        const string family = "DejaVu Sans";
        var typeface = ScottPlot.Fonts.GetTypeface(family, bold: false, italic: false, FontSpacing.Normal);
        return typeface.FamilyName == family ? family : null; // not disposed: ScottPlot caches its typefaces
    }

    internal Color ColorOf(string label)
    {
        int index = _seriesLabels.IndexOf(label);
        if (index < 0)
        {
            _seriesLabels.Add(label);
            index = _seriesLabels.Count - 1;
        }
        var palette = new ScottPlot.Palettes.Category10();
        return palette.GetColor(index);
    }
}

/// <summary>One panel of a <see cref="LinePlot"/>: axes, a title, and its series.</summary>
public sealed class LinePanel
{
    private readonly LinePlot _figure;
    private readonly List<(string Label, double[] X, double[] Y)> _series = [];

    private readonly bool? _logY;

    internal LinePanel(LinePlot figure, string title, string xLabel, string yLabel, bool? logY)
    {
        _figure = figure;
        Title = title;
        XLabel = xLabel;
        YLabel = yLabel;
        _logY = logY;
    }

    /// <summary>Text above the panel.</summary>
    public string Title { get; }

    /// <summary>Horizontal axis label (include units).</summary>
    public string XLabel { get; }

    /// <summary>Vertical axis label (include units).</summary>
    public string YLabel { get; }

    /// <summary>
    /// Whether the y axis is logarithmic: as asked, or for an automatic panel, whether the finite values are all
    /// positive and span more than <see cref="LinePlot.AutoLogRatio"/>.
    /// </summary>
    public bool LogY => _logY ?? SpansDecades();

    private bool SpansDecades()
    {
        double[] values = [.. _series.SelectMany(s => s.Y).Where(double.IsFinite)];
        return values.Length > 0 && values.Min() > 0 && values.Max() / values.Min() > LinePlot.AutoLogRatio;
    }

    /// <summary>Number of series added.</summary>
    public int SeriesCount => _series.Count;

    /// <summary>The series added, in order: label and points as given (values above a ceiling or non-finite included as passed).</summary>
    public IReadOnlyList<(string Label, IReadOnlyList<double> X, IReadOnlyList<double> Y)> Series =>
        [.. _series.Select(s => (s.Label, (IReadOnlyList<double>)s.X, (IReadOnlyList<double>)s.Y))];

    /// <summary>
    /// Adds a line through the points (x[i], y[i]). Points whose y is NaN or infinite (a diverged run), or ≤ 0 on a
    /// log panel, are left out; the rest of the line is still drawn.
    /// </summary>
    public LinePanel AddSeries(string label, ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        ArgumentNullException.ThrowIfNull(label);
        if (x.Length != y.Length)
            throw new ArgumentException($"x has {x.Length} values, y has {y.Length}.", nameof(y));
        _series.Add((label, x.ToArray(), y.ToArray()));
        _figure.ColorOf(label); // fixes the colour by first use, across panels
        return this;
    }

    /// <summary>Adds a line through (i, y[i]), i = 0, 1, … (e.g. one point per iteration or epoch).</summary>
    public LinePanel AddSeries(string label, ReadOnlySpan<double> y)
    {
        var x = new double[y.Length];
        for (int i = 0; i < x.Length; i++)
            x[i] = i;
        return AddSeries(label, x, y);
    }

    internal void Draw(Plot plot)
    {
        plot.Title(Title);
        plot.XLabel(XLabel);
        plot.YLabel(YLabel);
        bool log = LogY;
        bool integerX = true;
        double low = double.PositiveInfinity, high = double.NegativeInfinity;
        foreach (var (label, x, y) in _series)
        {
            var (xs, ys) = Drawable(x, y, log);
            if (xs.Length == 0)
                continue; // nothing finite to draw: the CSV still holds the run
            integerX &= xs.All(v => v == Math.Round(v));
            low = Math.Min(low, ys.Min());
            high = Math.Max(high, ys.Max());
            var line = plot.Add.ScatterLine(xs, ys, _figure.ColorOf(label));
            line.LegendText = label;
            line.LineWidth = 2;
            line.MarkerSize = xs.Length <= 30 ? 5 : 0;
        }
        if (log)
        {
            // ScottPlot has no log axis: plot log10(y) and place the ticks ourselves (LogTicks), labelled with the values.
            if (low <= high)
            {
                var ticks = new ScottPlot.TickGenerators.NumericManual();
                var (major, minor) = LogTicks.For(Math.Pow(10, low), Math.Pow(10, high));
                foreach (var (position, text) in major)
                    ticks.AddMajor(position, text);
                foreach (double position in minor)
                    ticks.AddMinor(position);
                plot.Axes.Left.TickGenerator = ticks;
            }

            plot.Grid.MajorLineColor = Colors.Black.WithOpacity(0.15);
            plot.Grid.MinorLineColor = Colors.Black.WithOpacity(0.05);
            plot.Grid.MinorLineWidth = 1;
        }
        if (integerX)
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        // Below the axes, so it never hides a curve.
        plot.ShowLegend(Edge.Bottom);
        if (LinePlot.SansFont is string font)
            plot.Font.Set(font);
    }

    private static (double[] X, double[] Y) Drawable(double[] x, double[] y, bool log)
    {
        var xs = new List<double>(x.Length);
        var ys = new List<double>(y.Length);
        for (int i = 0; i < x.Length; i++)
        {
            double v = y[i];
            if (!double.IsFinite(v) || !double.IsFinite(x[i]) || (log && v <= 0))
                continue;
            xs.Add(x[i]);
            ys.Add(log ? Math.Log10(v) : v);
        }
        return ([.. xs], [.. ys]);
    }
}
