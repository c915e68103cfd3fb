using MoreauGen.Samples.Common;
using MoreauGen.Samples.Pendulum;
using MoreauGen.Samples.Tests.Common;
using PendulumProgram = MoreauGen.Samples.Pendulum.Program;

namespace MoreauGen.Samples.Tests.Pendulum;

/// <summary>The paper's variants (AL-MGD, TP, ProxProp) as methods of the pendulum sample: their runs, options and errors.</summary>
public sealed class PendulumVariantTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Each_variant_runs_on_its_grid_and_its_chosen_step_lowers_the_swing_up_cost()
    {
        string output = Path.Combine(_folder.Path, "out");
        var (status, stdout, stderr) = Run("--horizons", "20", "--iterations", "6", "--grid", "-4..10", "--method", "al-mgd,tp,proxprop",
                                           "--out", output);

        Assert.True(status == 0, stderr + stdout);
        CsvTable csv = CsvTable.Load(Path.Combine(output, "curves.csv"));
        foreach (string method in new[] { "al-mgd", "tp", "proxprop" })
        {
            int[] rows = [.. Enumerable.Range(0, csv.RowCount).Where(r => csv.Cell(r, "method") == method)];
            Assert.Equal(15, rows.Select(r => csv.GetDouble(r, "step")).Distinct().Count()); // the grid 2^-4..2^10, no fixed step
            double start = csv.GetDouble(rows[0], "cost");
            double best = rows.Min(r => csv.GetDouble(r, "best_cost"));
            // ProxProp's steps are discounted (q = κγ/(1 + κγ) per layer), so after 6 iterations it has only begun to fall.
            Assert.True(best < 0.97 * start, $"{method}: best cost {best}, start {start}");
        }

        Assert.Contains("al-mgd", stdout, StringComparison.Ordinal);
        Assert.Contains("proxprop", File.ReadAllText(Path.Combine(output, "grid.csv")), StringComparison.Ordinal);
    }

    [Fact]
    public void Augmented_Lagrangian_with_beta_1_and_kappa_0_traces_the_same_costs_as_MorGD()
    {
        // Alg. 9 with κ = 0, β_t = 1, γ_t = γ, α_t = α is eq. 52 (the Moreau pass), so the two descents coincide.
        Curve moreau = SwingUp.Run(15, DescentMethod.MoreauGradientDescent, 0.5, 5, gamma: 0.25, solver: new LbfgsSolver<double>());
        Curve lagrangian = SwingUp.Run(15, DescentMethod.AugmentedLagrangian, 0.5, 5, gamma: 0.25, solver: new LbfgsSolver<double>(), beta: 1, kappa: 0);

        Assert.Null(moreau.Failure);
        Assert.Null(lagrangian.Failure);
        Assert.True(moreau.Costs[^1] < moreau.Costs[0]);
        for (int k = 0; k < moreau.Costs.Length; k++)
            Assert.Equal(moreau.Costs[k], lagrangian.Costs[k], 1e-6 * Math.Max(1, moreau.Costs[k]));
    }

    [Theory]
    [InlineData("adam")]
    [InlineData("gd,gd")]
    public void A_method_name_that_is_not_one_exits_1_listing_the_valid_names(string name)
    {
        var (status, _, stderr) = Run("--horizons", "5", "--method", name, "--out", Path.Combine(_folder.Path, "bad"));

        Assert.Equal(SampleExitCodes.BadOption, status);
        foreach (string valid in new[] { "gd", "morgd", "al-mgd", "tp", "proxprop" })
            Assert.Contains(valid, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Variants_have_no_fixed_step_so_no_grid_is_refused_and_so_is_kappa_0_for_proxprop()
    {
        var (noGrid, _, noGridMessage) = Run("--horizons", "5", "--method", "tp", "--no-grid", "--out", Path.Combine(_folder.Path, "bad"));
        var (zero, _, zeroMessage) = Run("--horizons", "5", "--method", "proxprop", "--kappa", "0", "--out", Path.Combine(_folder.Path, "bad"));

        Assert.Equal(SampleExitCodes.BadOption, noGrid);
        Assert.Contains("--no-grid leaves tp no step", noGridMessage, StringComparison.Ordinal);
        Assert.Equal(SampleExitCodes.BadOption, zero);
        Assert.Contains("--kappa: proxprop needs κ > 0", zeroMessage, StringComparison.Ordinal);
    }

    private static (int Status, string Stdout, string Stderr) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int status = PendulumProgram.Run(args, stdout, stderr);
        return (status, stdout.ToString(), stderr.ToString());
    }
}
