using System;
using System.Collections.Generic;
using System.Linq;
using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Differentiation
{
    /// <summary>
    /// Before the lowering: the guard that opens each trip of a lowered <c>while</c>/<c>do</c> loop, dropped where it is
    /// always true. The parser writes such a loop as <c>for (trip &lt; bound) { if (stopped == 0) { body } if (stopped == 0)
    /// { if (!c) stopped = 1; } }</c> with <c>stopped = 0</c> before it (<c>BodyParser.Loops.cs</c>). When the taped forward
    /// loop ends after the trip that sets the flag (<see cref="For.EndsAtStop"/>), every trip it runs starts with the flag
    /// clear, so the body runs unguarded: the reverse loop replays no branch on the flag and records none, and it walks
    /// back the trips the forward pass ran (Algorithm 2's reverse sweep over the iterations taken). The plain forward pass
    /// prints the parser's loop, guards and all, and is not touched.
    /// <para>
    /// A loop is rewritten when its flag was declared 0 before it with nothing assigning it since, and the values one trip
    /// records are a closed form (no loop inside it has a bound that reads a local the trip assigns), so that the taped
    /// forward pass can move the cursor past the records of the trips it did not run (<see cref="TapeLayout.TripsRecorded"/>).
    /// </para>
    /// </summary>
    internal static class StopGuards
    {
        /// <summary>The body with the always-true trip guards dropped.</summary>
        public static List<Stmt> Run(IReadOnlyList<Stmt> body) => Rewrite(body, new HashSet<string>(StringComparer.Ordinal));

        private static List<Stmt> Rewrite(IReadOnlyList<Stmt> statements, HashSet<string> outerClear)
        {
            var clear = new HashSet<string>(outerClear, StringComparer.Ordinal);
            var result = new List<Stmt>(statements.Count);
            foreach (Stmt statement in statements)
            {
                switch (statement)
                {
                    case Declare { Value: Literal { Value: 0 } } declare when declare.Type.IsReal:
                        clear.Add(declare.Name);
                        result.Add(statement);
                        break;
                    case For loop:
                    {
                        var rewritten = loop with { Body = EquatableArray.From(Rewrite(loop.Body, new HashSet<string>(StringComparer.Ordinal))) };
                        if (loop.StopFlag is { } flag && loop.Continue is null && clear.Contains(flag) && OpensWithGuard(rewritten, flag) is not null && ClosedFormRecords(rewritten.Body))
                        {
                            rewritten = rewritten with { Body = EquatableArray.From(Unguarded(rewritten.Body, flag)), EndsAtStop = true };
                        }

                        result.Add(rewritten);
                        clear.ExceptWith(Assigned(loop.Body));
                        break;
                    }

                    case If branch:
                        result.Add(branch with { Then = EquatableArray.From(Rewrite(branch.Then, clear)), Else = EquatableArray.From(Rewrite(branch.Else, clear)) });
                        clear.ExceptWith(Assigned(branch.Then));
                        clear.ExceptWith(Assigned(branch.Else));
                        break;
                    case Block block:
                        result.Add(new Block(EquatableArray.From(Rewrite(block.Body, clear))));
                        clear.ExceptWith(Assigned(block.Body));
                        break;
                    case Assign { Target: Local local }:
                        clear.Remove(local.Name);
                        result.Add(statement);
                        break;
                    case Declare declare:
                        clear.Remove(declare.Name);
                        result.Add(statement);
                        break;
                    default:
                        result.Add(statement);
                        break;
                }
            }

            return result;
        }

        /// <summary>
        /// A trip with the flag clear at its start: each guard <c>if (flag == 0) { … }</c> of its own level before anything
        /// assigns the flag becomes its block (the body's guard, and the test's after a body that cannot break).
        /// </summary>
        private static List<Stmt> Unguarded(IReadOnlyList<Stmt> trip, string flag)
        {
            var result = new List<Stmt>(trip.Count);
            bool clear = true;
            foreach (Stmt statement in trip)
            {
                if (clear && statement is If guard && Guards(guard, flag))
                {
                    result.Add(new Block(guard.Then));
                }
                else
                {
                    result.Add(statement);
                }

                clear = clear && !Assigned(new[] { statement }).Contains(flag);
            }

            return result;
        }

        private static bool Guards(If branch, string flag) =>
            branch.Else.Count == 0 && branch.Condition is Apply { Op: Op.Equal, Args: { Count: 2 } args } &&
            args[0] is Local local && local.Name == flag && args[1] is Literal { Value: 0 };

        /// <summary>The loop's first statement when it is <c>if (flag == 0) { … }</c> with no else, else null.</summary>
        private static If? OpensWithGuard(For loop, string flag) =>
            loop.Body.Count > 0 && loop.Body[0] is If guard && Guards(guard, flag) ? guard : null;

        /// <summary>Whether no loop in <paramref name="body"/> has a bound that reads a local declared or assigned in it (or an index of a loop in it).</summary>
        private static bool ClosedFormRecords(IReadOnlyList<Stmt> body)
        {
            HashSet<string> inside = Assigned(body);
            return !Nested(body).OfType<For>().Any(loop => new[] { loop.From, loop.To, loop.Step }.SelectMany(IrWalk.LocalsRead).Any(inside.Contains));
        }

        /// <summary>The locals declared or assigned in <paramref name="statements"/>, and the indices of the loops among them, at any depth.</summary>
        private static HashSet<string> Assigned(IReadOnlyList<Stmt> statements) =>
            new(Nested(statements).Select(statement => statement switch
            {
                Declare declare => declare.Name,
                Assign { Target: Local local } => local.Name,
                For loop => loop.Index,
                _ => null,
            }).OfType<string>(), StringComparer.Ordinal);

        /// <summary>The statements of <paramref name="statements"/> and of the loops, branches and blocks among them, at any depth.</summary>
        private static IEnumerable<Stmt> Nested(IEnumerable<Stmt> statements) =>
            statements.SelectMany(statement => new[] { statement }.Concat(statement switch
            {
                For loop => Nested(loop.Body),
                If branch => Nested(branch.Then).Concat(Nested(branch.Else)),
                Block block => Nested(block.Body),
                _ => Enumerable.Empty<Stmt>(),
            }));
    }
}
