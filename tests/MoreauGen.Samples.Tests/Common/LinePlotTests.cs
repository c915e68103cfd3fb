using System.Buffers.Binary;
using MoreauGen.Samples.Common;

namespace MoreauGen.Samples.Tests.Common;

/// <summary>PNG figures rendered headless.</summary>
public sealed class LinePlotTests : IDisposable
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void A_two_panel_log_scale_figure_is_written_as_a_png_of_the_requested_size()
    {
        var iterations = Enumerable.Range(0, 51).Select(i => (double)i).ToArray();
        var figure = new LinePlot();
        foreach (int horizon in new[] { 50, 100 })
        {
            var panel = figure.AddPanel($"τ = {horizon}", "iteration", "cost", logY: true);
            panel.AddSeries("GD", iterations, iterations.Select(i => 100 * Math.Exp(-0.05 * i)).ToArray());
            // A diverging run: NaN, infinity and a non-positive value are left out, the rest is drawn.
            panel.AddSeries("MorGD", iterations, iterations.Select(i => i switch
            {
                10 => double.NaN,
                11 => double.PositiveInfinity,
                12 => 0,
                _ => 100 * Math.Exp(-0.2 * i) + 1e-3,
            }).ToArray());
        }
        string path = _folder.File("cost.png");

        using (new CultureScope())
            figure.SavePng(path, panelWidth: 500, height: 400);

        byte[] png = File.ReadAllBytes(path);
        Assert.Equal(PngSignature, png[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
        Assert.Equal(1000, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
        Assert.Equal(400, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
        Assert.True(png.Length > 20_000, $"A figure with text and lines compresses to more than 20 kB; got {png.Length} bytes.");
        Assert.Equal(["cost.png"], _folder.FileNames());
    }

    [Fact]
    public void A_linear_panel_with_series_indexed_by_position_renders()
    {
        var figure = new LinePlot();
        figure.AddPanel("accuracy", "epoch", "test accuracy (%)")
              .AddSeries("SGD", [80.1, 84.2, 85.9])
              .AddSeries("MorSGD", [78.0, 83.5, 86.1]);
        byte[] png = figure.RenderPng(400, 300);
        Assert.Equal(PngSignature, png[..8]);
        Assert.Equal(400, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
    }

    [Fact]
    public void A_figure_without_panels_is_refused()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new LinePlot().RenderPng());
        Assert.Contains("AddPanel", e.Message);
    }
}
