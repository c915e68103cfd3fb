using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Emission
{
    /// <summary>One generated member: its buffers, span bindings and size checks. Part of <see cref="LayerEmitter"/>.</summary>
    internal sealed partial class LayerEmitter
    {
        /// <summary>A temporary span: on the stack when small and fixed, else rented from ArrayPool.</summary>
        private sealed class Buffer
        {
            public Buffer(string name, string? pooledArray, string elementType)
            {
                Name = name;
                PooledArray = pooledArray;
                ElementType = elementType;
            }

            public string Name { get; }

            public string? PooledArray { get; }

            public string ElementType { get; }
        }

        /// <summary>Names, span bindings and helpers for writing one member.</summary>
        private sealed class Member
        {
            private readonly LayerEmitter owner;
            private readonly NameTable names;
            private readonly Dictionary<string, string> parameters = new();
            private readonly Dictionary<SpanRole, string> spans = new();
            private readonly Dictionary<SpanRole, string> lengths = new();
            private readonly Dictionary<string, string> sizeLocals = new();
            private readonly List<Buffer> buffers = new();
            private string s = "s";

            public Member(LayerEmitter owner, params string[] parameterNames)
                : this(owner, owner.body.UsedNames, parameterNames)
            {
            }

            public Member(LayerEmitter owner, IEnumerable<string> usedNames, params string[] parameterNames)
            {
                this.owner = owner;
                names = new NameTable(usedNames);
                foreach (string parameter in parameterNames)
                {
                    parameters[parameter] = names.Fresh(parameter);
                }
            }

            private CodeWriter Code => owner.code;

            private LayerSizes Sizes => owner.layer.Sizes;

            public string S => s;

            public string Param(string name) => parameters[name];

            public string Local(string preferred) => names.Fresh(preferred);

            public string Name(SpanRole role) => spans[role];

            public void Bind(SpanRole role, string name) => spans[role] = name;

            public void BindLength(SpanRole role, string length) => lengths[role] = length;

            /// <summary>Reads the sizes the type declares once, into locals, and says how the body's span lengths read.</summary>
            public void SizeLocals()
            {
                foreach ((string size, int? value, string property, string local, SpanRole role) in new[]
                {
                    ("Parameters", Sizes.Parameters, "ParameterCount", "parameterCount", SpanRole.W),
                    ("Inputs", Sizes.Inputs, "InputCount", "inputCount", SpanRole.X),
                    ("Outputs", Sizes.Outputs, "OutputCount", "outputCount", SpanRole.Y),
                })
                {
                    if (owner.IsObjective && size != "Inputs")
                    {
                        continue;
                    }

                    if (value is null)
                    {
                        string name = names.Fresh(local);
                        sizeLocals[size] = name;
                        Code.Line("int " + name + " = this." + property + ";");
                    }

                    lengths[role] = Size(size);
                }
            }

            /// <summary>The size as C#: a number when fixed, else the local holding the property.</summary>
            public string Size(string size)
            {
                int? value = size switch
                {
                    "Parameters" => Sizes.Parameters,
                    "Inputs" => Sizes.Inputs,
                    _ => Sizes.Outputs,
                };
                return value is int fixedSize ? Int(fixedSize) : sizeLocals[size];
            }

            public string Times(string m, string size) => Product(m, Size(size));

            public static string Product(string m, string size) => size switch
            {
                "0" => "0",
                "1" => m,
                _ => m + " * " + size,
            };

            /// <summary>The tape values per sample as C#: a number, or a local computed here from the sizes.</summary>
            public string TapeSlots() => TapeSlots(owner.body, owner.layer.ElementType);

            public string TapeSlots(DifferentiatedBody program, IrType element)
            {
                if (program.FixedTapeSlots is int fixedSlots)
                {
                    return Int(fixedSlots);
                }

                Statements(program.TapePrelude);
                string slots = Expression(program.TapeSlots);
                return program.TapeSlots is Model.Local or Literal or SpanLength ? slots : "(" + slots + ")";
            }

            public string BatchSize(string otherSpan, string otherSize)
            {
                string m = names.Fresh("m");
                Code.Line("int " + m + " = " + Checks + ".BatchSize(" + Param("x") + ".Length, " + Size("Inputs") + ", " +
                          Param(otherSpan) + ".Length, " + Size(otherSize) + ", \"" + otherSpan + "\");");
                return m;
            }

            /// <summary>Checks the length of the parameter <paramref name="span"/> (the interface's name, used in the message).</summary>
            public void CheckLength(string span, string expected) =>
                Code.Line(Checks + ".Length(" + Param(span) + ".Length, " + expected + ", \"" + span + "\");");

            public void CheckLengthOrEmpty(string span, string expected) =>
                Code.Line(Checks + ".LengthOrEmpty(" + Param(span) + ".Length, " + expected + ", \"" + span + "\");");

            /// <summary>Declares the method's constants that <paramref name="statements"/> read.</summary>
            public void Constants(IEnumerable<Stmt> statements, IEnumerable<ConstantDeclaration>? declared = null)
            {
                HashSet<string> read = IrWalk.LocalsRead(statements);
                foreach (ConstantDeclaration constant in declared ?? owner.layer.Constants)
                {
                    if (read.Contains(constant.Name))
                    {
                        Code.Line("const " + CSharpPrinter.TypeName(constant.Type) + " " + CSharpPrinter.Identifier(constant.Name) + " = " +
                                  CSharpPrinter.FormatLiteral(constant.Value) + ";");
                    }
                }
            }

            public void SampleLoop(string m, System.Action body)
            {
                s = names.Fresh("s");
                Code.Open("for (int " + s + " = 0; " + s + " < " + m + "; " + s + "++)");
                body();
                Code.Close();
            }

            /// <summary>Declares the sample's slice of <paramref name="span"/> and binds it to <paramref name="role"/> (only if the statements use the role).</summary>
            public void Slice(SpanRole role, string span, string size, bool readOnly, string preferred, IEnumerable<Stmt>? usedBy = null)
            {
                if (usedBy is not null && !IrWalk.Roles(usedBy).Contains(role))
                {
                    return;
                }

                spans[role] = SliceNamed(span, size, readOnly, preferred);
            }

            /// <summary>
            /// Where gradW is known not to be empty and |w| is fixed, and the statements loop, binds gradW to a slice of
            /// exactly |w| values, so that the JIT can prove indices of loops over fixed bounds in range.
            /// </summary>
            public void ExactGradW(string gradW, IEnumerable<Stmt> statements)
            {
                spans[SpanRole.GradW] = gradW;
                if (Sizes.Parameters is int parameters && parameters > 0 && statements.Any(s => s is For) && IrWalk.Roles(statements).Contains(SpanRole.GradW))
                {
                    string name = names.Fresh("gradW_all");
                    Code.Line(owner.Span + " " + name + " = " + gradW + ".Slice(0, " + Int(parameters) + ");");
                    spans[SpanRole.GradW] = name;
                }
            }

            /// <summary>A writable slice bound to <paramref name="role"/>, declared only when <paramref name="statements"/> use it.</summary>
            public void SliceIfUsed(SpanRole role, string span, string size, string preferred, IEnumerable<Stmt> statements) =>
                Slice(role, span, size, readOnly: false, preferred, statements);

            public string SliceNamed(string span, string size, bool readOnly, string preferred)
            {
                string name = names.Fresh(preferred);
                string type = readOnly ? owner.ReadOnlySpan : owner.Span;
                Code.Line(type + " " + name + " = " + span + ".Slice(" + Times(s, size) + ", " + Size(size) + ");");
                return name;
            }

            public void SliceTape(string tape, string slots, bool readOnly)
            {
                string name = names.Fresh("tape_s");
                string type = readOnly ? owner.ReadOnlySpan : owner.Span;
                if (slots == "0")
                {
                    // Nothing is recorded; code in loops that never run may still name the tape.
                    if (UsesTape)
                    {
                        Code.Line(type + " " + name + " = default;");
                        spans[SpanRole.Tape] = name;
                    }

                    return;
                }

                Code.Line(type + " " + name + " = " + tape + ".Slice(" + Product(s, slots) + ", " + slots + ");");
                spans[SpanRole.Tape] = name;
            }

            /// <summary>Whether the member's program names the tape at all.</summary>
            public bool UsesTape => IrWalk.Roles(owner.body.Primal.Concat(owner.body.Restores).Concat(owner.body.AdjointBoth)
                .Concat(owner.body.AdjointW).Concat(owner.body.AdjointX)).Contains(SpanRole.Tape);

            /// <summary>Binds the tape to an empty span (nothing is recorded, but code in loops that never run names it).</summary>
            public void EmptyTape(IrType? elementType = null)
            {
                string elementName = elementType is null ? owner.t : CSharpPrinter.TypeName(elementType);
                string name = names.Fresh("tape_s");
                Code.Line("global::System.Span<" + elementName + "> " + name + " = default;");
                spans[SpanRole.Tape] = name;
            }

            /// <summary>A temporary of <paramref name="length"/> values: a local inline array when fixed and small, else pooled.</summary>
            public Buffer Buffer(string preferred, string length, IrType? elementType = null)
            {
                string elementName = elementType is null ? owner.t : CSharpPrinter.TypeName(elementType);
                string spanType = "global::System.Span<" + elementName + ">";
                string name = names.Fresh(preferred);
                Buffer buffer;
                if (int.TryParse(length, NumberStyles.None, CultureInfo.InvariantCulture, out int fixedSize) && fixedSize <= StackLimit)
                {
                    // A local inline array (MoreauGen.Generated.ScratchN<T>, N the next power of two), not stackalloc:
                    // on a tiny layer called millions of times, stackalloc doubled the cost of a call.
                    int capacity = ScratchCapacity(fixedSize);
                    string storage = names.Fresh(preferred + "_storage");
                    Code.Line("global::MoreauGen.Generated.Scratch" + capacity.ToString(CultureInfo.InvariantCulture) + "<" + elementName + "> " + storage + " = default;");
                    Code.Line(spanType + " " + name + " = " + (capacity == fixedSize
                        ? storage + ";"
                        : "((" + spanType + ")" + storage + ").Slice(0, " + length + ");"));
                    buffer = new Buffer(name, null, elementName);
                }
                else
                {
                    string array = names.Fresh(preferred + "_array");
                    Code.Line(elementName + "[] " + array + " = global::System.Buffers.ArrayPool<" + elementName + ">.Shared.Rent(" + length + ");");
                    Code.Line(spanType + " " + name + " = new " + spanType + "(" + array + ", 0, " + length + ");");
                    buffer = new Buffer(name, array, elementName);
                }

                buffers.Add(buffer);
                return buffer;
            }

            /// <summary>The smallest MoreauGen.Generated.ScratchN (N a power of two, at most <see cref="StackLimit"/>) that holds <paramref name="size"/> values.</summary>
            private static int ScratchCapacity(int size)
            {
                int capacity = 1;
                while (capacity < size)
                {
                    capacity *= 2;
                }

                return capacity;
            }

            public void ReturnBuffers()
            {
                foreach (Buffer buffer in buffers)
                {
                    if (buffer.PooledArray is not null)
                    {
                        Code.Line("global::System.Buffers.ArrayPool<" + buffer.ElementType + ">.Shared.Return(" + buffer.PooledArray + ");");
                    }
                }
            }

            public void Statements(IEnumerable<Stmt> statements) => new CSharpPrinter(spans, lengths, owner.rules).WriteAll(Code, statements);

            public string Expression(Expr expr) => new CSharpPrinter(spans, lengths, owner.rules).Expression(expr);
        }
    }
}
