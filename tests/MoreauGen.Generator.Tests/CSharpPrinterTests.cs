using System.Globalization;
using Microsoft.CodeAnalysis.CSharp;
using MoreauGen.Generator.Emission;
using MoreauGen.Generator.Model;
using MoreauGen.Generator.Rules;

namespace MoreauGen.Generator.Tests;

/// <summary>Mirrors Emission/CSharpPrinter.cs: the fewest parentheses that keep the tree, and invariant round-trip literals.</summary>
public sealed class CSharpPrinterTests
{
    private static readonly Local A = new("a", IrType.Double);
    private static readonly Local B = new("b", IrType.Double);
    private static readonly Local C = new("c", IrType.Double);

    private static readonly CSharpPrinter Printer = new(new Dictionary<SpanRole, string> { [SpanRole.W] = "w", [SpanRole.X] = "x_s" }, rules: RuleTable.Standard);

    private static Apply Op2(Op op, Expr left, Expr right) => new(op, IrType.Double, EquatableArray.Of(left, right));

    private static Apply Op1(Op op, Expr operand, IrType? type = null) => new(op, type ?? IrType.Double, EquatableArray.Of(operand));

    public static TheoryData<string, string> Trees => new()
    {
        { Printer.Expression(Op2(Op.Subtract, A, Op2(Op.Subtract, B, C))), "a - (b - c)" },
        { Printer.Expression(Op2(Op.Subtract, Op2(Op.Subtract, A, B), C)), "a - b - c" },
        { Printer.Expression(Op2(Op.Add, A, Op2(Op.Add, B, C))), "a + (b + c)" },
        { Printer.Expression(Op2(Op.Multiply, A, Op2(Op.Add, B, C))), "a * (b + c)" },
        { Printer.Expression(Op2(Op.Add, Op2(Op.Multiply, A, B), C)), "a * b + c" },
        { Printer.Expression(Op2(Op.Divide, A, Op2(Op.Multiply, B, C))), "a / (b * c)" },
        { Printer.Expression(Op1(Op.Negate, Op1(Op.Negate, A))), "-(-a)" },
        { Printer.Expression(Op1(Op.Negate, new Literal(IrType.Double, -2))), "-(-2.0)" },
        { Printer.Expression(Op2(Op.Subtract, A, new Literal(IrType.Double, -2))), "a - -2.0" },
        { Printer.Expression(Op1(Op.Negate, Op2(Op.Add, A, B))), "-(a + b)" },
        { Printer.Expression(Op1(Op.Convert, Op2(Op.Add, A, B), IrType.Float)), "(float)(a + b)" },
        { Printer.Expression(Op2(Op.Multiply, Op1(Op.Convert, A, IrType.Float), new Literal(IrType.Float, 2))), "(float)a * 2f" },
        { Printer.Expression(Op1(Op.Sin, Op2(Op.Add, A, B))), "global::System.Math.Sin(a + b)" },
        { Printer.Expression(new Apply(Op.Max, IrType.Float, EquatableArray.Of<Expr>(new Local("f", IrType.Float), new Literal(IrType.Float, 0)))), "global::System.MathF.Max(f, 0f)" },
        { Printer.Expression(Op2(Op.Multiply, A, new Conditional(new Apply(Op.GreaterOrEqual, IrType.Bool, EquatableArray.Of<Expr>(B, C)), A, Op1(Op.Negate, A)))), "a * (b >= c ? a : -a)" },
        { Printer.Expression(new Element(new SpanRef(SpanRole.X, IrType.SpanOf(ScalarKind.Double, true)), Op2(Op.Add, new LayerData("n", IrType.Int), new Literal(IrType.Int, -1)), IrType.Double)), "x_s[n + -1]" },
        { Printer.Statement(new Assign(A, AssignKind.Subtract, Op2(Op.Multiply, B, C))), "a -= b * c;" },
        {
            Printer.Statement(new Declare(IrType.SpanOf(ScalarKind.Double, readOnly: true), "weights",
                new Slice(new SpanRef(SpanRole.W, IrType.SpanOf(ScalarKind.Double, true)), new Literal(IrType.Int, 2), new LayerData("this.count", IrType.Int), IrType.SpanOf(ScalarKind.Double, true)))),
            "global::System.ReadOnlySpan<double> weights = w.Slice(2, this.count);"
        },
    };

    [Theory]
    [MemberData(nameof(Trees))]
    public void Prints_the_fewest_parentheses_that_keep_the_tree(string printed, string expected) => Assert.Equal(expected, printed);

    public static TheoryData<double, bool, string> Literals => new()
    {
        { 0.1, false, "0.1" },
        { 1.0 / 3.0, false, "0.3333333333333333" },
        { 0.1 + 0.2, false, "0.30000000000000004" },
        { 2, false, "2.0" },
        { -0.0, false, "-0.0" },
        { -2.5, false, "-2.5" },
        { 1e-7, false, "1E-07" },
        { 1.5e300, false, "1.5E+300" },
        { double.NaN, false, "global::System.Double.NaN" },
        { double.NegativeInfinity, false, "global::System.Double.NegativeInfinity" },
        { 0.1f, true, "0.1f" },
        { 1f / 3f, true, "0.33333334f" },
        { -1e-7f, true, "-1E-07f" },
        { 16777216f, true, "16777216f" },
    };

    [Theory]
    [MemberData(nameof(Literals))]
    public void Literals_read_back_to_the_same_value_in_any_culture(double value, bool single, string expected)
    {
        var hostile = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        hostile.NumberFormat.NegativeSign = "\u2212";
        hostile.NumberFormat.NumberDecimalSeparator = ",";
        CultureInfo previous = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = hostile;
            var literal = new Literal(single ? IrType.Float : IrType.Double, value);
            string text = CSharpPrinter.FormatLiteral(literal);
            Assert.Equal(expected, text);
            if (!text.StartsWith("global::", StringComparison.Ordinal))
            {
                double parsed = single
                    ? float.Parse(text.TrimEnd('f'), CultureInfo.InvariantCulture)
                    : double.Parse(text, CultureInfo.InvariantCulture);
                Assert.Equal(BitConverter.DoubleToInt64Bits(single ? (float)value : value), BitConverter.DoubleToInt64Bits(parsed));
            }
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }
}

/// <summary>The IR's loops and branches print as blocks (the parser does not produce them yet; the reverse pass of a loop runs it downwards).</summary>
public sealed class ControlFlowPrintingTests
{
    [Fact]
    public void A_function_is_printed_by_the_name_its_row_carries_in_the_table_the_printer_is_given()
    {
        var renamed = new RuleTable([DerivativeRule.Function(Op.Sin, "Renamed", (d, a, r) => d)], []);
        Expr call = new Apply(Op.Sin, IrType.Double, EquatableArray.Of<Expr>(new Local("a", IrType.Double)));
        Assert.Equal("global::System.Math.Renamed(a)", new CSharpPrinter(new Dictionary<SpanRole, string>(), rules: renamed).Expression(call));
        Assert.Equal("global::System.Math.Sin(a)", new CSharpPrinter(new Dictionary<SpanRole, string>(), rules: RuleTable.Standard).Expression(call));
        Assert.Throws<InvalidOperationException>(() => new CSharpPrinter(new Dictionary<SpanRole, string>()).Expression(call));
    }

    [Fact]
    public void Loops_and_branches_print_as_indented_blocks()
    {
        var i = new Local("i", IrType.Int);
        var n = new LayerData("this.n", IrType.Int);
        var x = new SpanRef(SpanRole.X, IrType.SpanOf(ScalarKind.Double, true));
        var gradX = new SpanRef(SpanRole.GradX, IrType.SpanOf(ScalarKind.Double, false));
        var s = new Local("s", IrType.Double);
        var printer = new CSharpPrinter(new Dictionary<SpanRole, string> { [SpanRole.X] = "x_s", [SpanRole.GradX] = "gradX_s" });
        Stmt[] body =
        [
            new Declare(IrType.Double, "s", new Literal(IrType.Double, 0)),
            new For("i", new Literal(IrType.Int, 0), n, new Literal(IrType.Int, 1), Descending: false, EquatableArray.Of<Stmt>(
                new Assign(s, AssignKind.Add, new Element(x, i, IrType.Double)))),
            new For("i", new Literal(IrType.Int, 0), n, new Literal(IrType.Int, 1), Descending: true, EquatableArray.Of<Stmt>(
                new If(new Apply(Op.Greater, IrType.Bool, EquatableArray.Of<Expr>(new Element(x, i, IrType.Double), new Literal(IrType.Double, 0))),
                    EquatableArray.Of<Stmt>(new Assign(new Element(gradX, i, IrType.Double), AssignKind.Add, s)),
                    EquatableArray.Of<Stmt>(new Assign(new Element(gradX, i, IrType.Double), AssignKind.Subtract, s))))),
        ];

        var code = new CodeWriter();
        printer.WriteAll(code, body);
        Assert.Equal("""
            double s = 0.0;
            for (int i = 0; i < this.n; i++)
            {
                s += x_s[i];
            }
            for (int i = this.n - 1; i >= 0; i--)
            {
                if (x_s[i] > 0.0)
                {
                    gradX_s[i] += s;
                }
                else
                {
                    gradX_s[i] -= s;
                }
            }

            """.Replace("\r\n", "\n"), code.ToString());
    }

    [Fact]
    public void A_descending_loop_with_a_step_visits_the_ascending_indices_backwards()
    {
        var from = new LayerData("a", IrType.Int);
        var to = new LayerData("b", IrType.Int);
        var loop = new For("i", from, to, new Literal(IrType.Int, 3), Descending: true, EquatableArray<Stmt>.Empty);
        var code = new CodeWriter();
        new CSharpPrinter(new Dictionary<SpanRole, string>()).WriteAll(code, [loop]);
        Assert.StartsWith("for (int i = a + ((b - a + 2) / 3 - 1) * 3; i >= a; i -= 3)", code.ToString());

        // The same indices as the ascending loop, for every (a, b), also empty and negative ranges.
        for (int a = -7; a <= 7; a++)
        {
            for (int b = -7; b <= 12; b++)
            {
                var ascending = new List<int>();
                for (int i = a; i < b; i += 3)
                {
                    ascending.Add(i);
                }

                var descending = new List<int>();
                for (int i = a + ((b - a + 2) / 3 - 1) * 3; i >= a; i -= 3)
                {
                    descending.Add(i);
                }

                descending.Reverse();
                Assert.Equal(ascending, descending);
            }
        }
    }

    [Fact]
    public void Every_keyword_is_escaped_and_versioned_names_are_not()
    {
        // The printer skips the keyword table for names no keyword can be: every keyword Roslyn knows (contextual ones too)
        // must still be printed as the table says, reserved ones with an @.
        foreach (SyntaxKind kind in SyntaxFacts.GetKeywordKinds())
        {
            string keyword = SyntaxFacts.GetText(kind);
            string expected = SyntaxFacts.GetKeywordKind(keyword) != SyntaxKind.None ? "@" + keyword : keyword;
            Assert.Equal(expected, CSharpPrinter.Identifier(keyword));
        }

        foreach (string reserved in new[] { "if", "in", "class", "stackalloc", "__arglist", "__refvalue" })
        {
            Assert.Equal("@" + reserved, CSharpPrinter.Identifier(reserved));
        }

        foreach (string name in new[] { "a", "a_3", "t16", "d_a_3", "Int", "@if", "ifx", "tape_s", "x_s" })
        {
            Assert.Equal(name, CSharpPrinter.Identifier(name));
        }
    }
}
