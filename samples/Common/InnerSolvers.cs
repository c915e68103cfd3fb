using System.CommandLine;
using System.Globalization;
using System.Numerics;

namespace MoreauGen.Samples.Common;

/// <summary>The inner algorithm A of the Φx/Φw subproblems without a closed form (paper Alg. 1).</summary>
public enum InnerSolverKind
{
    /// <summary>The paper's: one Goldstein line-search step, then one Barzilai–Borwein step (App. E.2.1). Name <c>two-step</c>.</summary>
    TwoStep,

    /// <summary>Gradient descent with backtracking, k steps or to a relative tolerance. Name <c>gd</c>.</summary>
    GradientDescent,

    /// <summary>L-BFGS to a relative tolerance (a precise solve, at most k iterations). Name <c>lbfgs</c>.</summary>
    Lbfgs,
}

/// <summary>The inner solvers as both samples name, parse and build them.</summary>
public static class InnerSolvers
{
    /// <summary>The command-line names, in the order of <see cref="InnerSolverKind"/>.</summary>
    public static readonly string[] Names = ["two-step", "gd", "lbfgs"];

    /// <summary><c>two-step</c>, <c>gd</c> or <c>lbfgs</c>.</summary>
    public static string Name(InnerSolverKind solver) => solver switch
    {
        InnerSolverKind.TwoStep => "two-step",
        InnerSolverKind.GradientDescent => "gd",
        InnerSolverKind.Lbfgs => "lbfgs",
        _ => throw new ArgumentOutOfRangeException(nameof(solver), solver, null),
    };

    /// <summary>The solver a (validated) name stands for; null or unknown is the two-step solver.</summary>
    public static InnerSolverKind Parse(string? name) => name switch
    {
        "gd" => InnerSolverKind.GradientDescent,
        "lbfgs" => InnerSolverKind.Lbfgs,
        _ => InnerSolverKind.TwoStep,
    };

    /// <summary>
    /// The solver <paramref name="solver"/> with k = <paramref name="steps"/> (steps of gd, default 10; iteration cap of
    /// lbfgs, default 100) and relative tolerance <paramref name="tolerance"/> (gd: default 0, never; lbfgs: its own
    /// default); the two-step solver takes neither.
    /// </summary>
    public static InnerSolver<T> Create<T>(InnerSolverKind solver, int? steps, double? tolerance)
        where T : unmanaged, IFloatingPointIeee754<T> => solver switch
    {
        InnerSolverKind.TwoStep => new TwoStepSolver<T>(),
        InnerSolverKind.GradientDescent => new GradientDescentSolver<T>(steps ?? 10) { RelativeTolerance = T.CreateChecked(tolerance ?? 0) },
        InnerSolverKind.Lbfgs => tolerance is double t
            ? new LbfgsSolver<T> { MaxIterations = steps ?? 100, RelativeTolerance = T.CreateChecked(t) }
            : new LbfgsSolver<T> { MaxIterations = steps ?? 100 },
        _ => throw new ArgumentOutOfRangeException(nameof(solver), solver, null),
    };
}

/// <summary>
/// The options <c>--solver</c>, <c>--solver-steps</c> and <c>--solver-tolerance</c> with their checks: a known solver,
/// k ≥ 1, a finite tolerance ≥ 0, and neither k nor a tolerance for the two-step solver, which takes neither.
/// </summary>
public sealed class InnerSolverOptions
{
    /// <summary>The three options; <paramref name="solverDescription"/> says which subproblems the solver solves in this sample.</summary>
    /// <param name="solverDescription">Help text of <c>--solver</c>.</param>
    /// <param name="lbfgsDefaultTolerance">The L-BFGS default tolerance as the help shows it, e.g. "1e-10".</param>
    /// <param name="toleranceExample">A tolerance to suggest in the error message, e.g. "1e-8".</param>
    public InnerSolverOptions(string solverDescription, string lbfgsDefaultTolerance, string toleranceExample)
    {
        SolverOption = new Option<string>("--solver")
        {
            Description = solverDescription,
            DefaultValueFactory = _ => "two-step",
        };
        SolverStepsOption = new Option<int?>("--solver-steps")
        {
            Description = "k of the inner solver: gradient steps of --solver gd [default: 10], iteration cap of --solver lbfgs [default: 100].",
            HelpName = "K",
        };
        SolverToleranceOption = new Option<double?>("--solver-tolerance")
        {
            Description = "Relative gradient tolerance ‖∇F‖ ≤ tol·‖∇F(0)‖ of the inner solver: --solver gd stops early there [default: 0, never], "
                          + $"--solver lbfgs stops there [default: {lbfgsDefaultTolerance}].",
            HelpName = "TOL",
        };
        SampleCommandLine.OneOf(SolverOption, "inner solver", InnerSolvers.Names);
        SolverStepsOption.Validators.Add(result =>
        {
            if (SampleCommandLine.TryGetValue(result, out int? k) && k < 1)
                result.AddError($"--solver-steps: {k} is out of range; give at least 1.");
        });
        SolverToleranceOption.Validators.Add(result =>
        {
            if (SampleCommandLine.TryGetValue(result, out double? value) && value is double tol && !(tol >= 0 && double.IsFinite(tol)))
                result.AddError($"--solver-tolerance: {tol.ToString("R", CultureInfo.InvariantCulture)} is not a tolerance; give a finite number ≥ 0, e.g. {toleranceExample}.");
        });
    }

    /// <summary><c>--solver</c>: two-step, gd or lbfgs.</summary>
    public Option<string> SolverOption { get; }

    /// <summary><c>--solver-steps</c>: k of gd or lbfgs.</summary>
    public Option<int?> SolverStepsOption { get; }

    /// <summary><c>--solver-tolerance</c>: the relative gradient tolerance of gd or lbfgs.</summary>
    public Option<double?> SolverToleranceOption { get; }

    /// <summary>Adds the three options to <paramref name="command"/>, and the check that the two-step solver gets neither k nor a tolerance.</summary>
    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(SolverOption);
        command.Options.Add(SolverStepsOption);
        command.Options.Add(SolverToleranceOption);
        command.Validators.Add(result =>
        {
            if (InnerSolvers.Parse(result.GetValue(SolverOption)) != InnerSolverKind.TwoStep)
                return;
            if (result.GetResult(SolverStepsOption) is { Implicit: false })
                result.AddError("--solver-steps applies to --solver gd or --solver lbfgs; the two-step solver always takes its two steps.");
            if (result.GetResult(SolverToleranceOption) is { Implicit: false })
                result.AddError("--solver-tolerance applies to --solver gd or --solver lbfgs; the two-step solver has no tolerance.");
        });
    }

    /// <summary>The solver named on the command line.</summary>
    public InnerSolverKind Kind(ParseResult parseResult) => InnerSolvers.Parse(parseResult.GetValue(SolverOption));
}
