namespace MoreauGen.Generator.Tests.Corpus;

/// <summary>
/// <c>[MoreauLayer(Batched = true)]</c> layers written with <c>Ops</c> calls: one per tensor operation with a rule
/// (<c>Tensor_{Method}</c>, used alone or with as little around it as it needs), and combinations (in-place and
/// out-of-place calls, every transpose combination of MatMul, temporaries, views of w, x and y, values read by several
/// calls, parameters not provably partitioned, a scalar factor w[i]). Same conventions as <see cref="LayerCorpus"/>;
/// sizes come from primary-constructor parameters, so every layer runs at any batch size.
/// </summary>
internal static class TensorCorpus
{
    private const string Span3 = "(ReadOnlySpan<T> w, ReadOnlySpan<T> x, Span<T> y)";

    /// <summary>DESIGN.md's canonical dense layer, with T for float (the design's text) or double.</summary>
    public const string DenseTemplate = """
        public partial class Dense(int inputs, int outputs)
        {
            public int ParameterCount => inputs * outputs + outputs;
            public int InputCount => inputs;
            public int OutputCount => outputs;

            [MoreauLayer(Batched = true)]
            public void Apply(ReadOnlySpan<T> w, ReadOnlySpan<T> x, Span<T> y)
            {
                int m = x.Length / inputs;
                var weights = w[..(inputs * outputs)];
                var bias = w[(inputs * outputs)..];
                Ops.MatMul(x, weights, y, m, inputs, outputs);
                Ops.AddBias(y, bias, m, outputs);
                Ops.Relu(y, y);
            }
        }
        """;

    public static readonly CorpusEntry[] Entries =
    [
        new("Dense", DenseTemplate, Arguments: [3, 4]),

        // ---- one entry per operation ----------------------------------------------------------------------
        new("Tensor_MatMul", $$"""
            public partial class Tensor_MatMul(int inputs, int outputs)
            {
                public int ParameterCount => inputs * outputs;
                public int InputCount => inputs;
                public int OutputCount => outputs;

                [MoreauLayer(Batched = true)]
                public void Apply{{Span3}}
                {
                    Ops.MatMul(x, w, y, x.Length / inputs, inputs, outputs);
                }
            }
            """, Arguments: [3, 2]),
        new("Tensor_AddBias", $$"""
            public partial class Tensor_AddBias(int inputs)
            {
                public int ParameterCount => inputs;
                public int InputCount => inputs;
                public int OutputCount => inputs;

                [MoreauLayer(Batched = true)]
                public void Apply{{Span3}}
                {
                    Ops.Add(x, x, y);
                    Ops.AddBias(y, w, x.Length / inputs, inputs);
                }
            }
            """, Arguments: [3]),
        new("Tensor_Relu", $$"""
            public partial class Tensor_Relu(int inputs)
            {
                public int ParameterCount => inputs;
                public int InputCount => inputs;
                public int OutputCount => inputs;

                [MoreauLayer(Batched = true)]
                public void Apply{{Span3}}
                {
                    Ops.Relu(x, y);
                    Ops.AddBias(y, w, x.Length / inputs, inputs);
                }
            }
            """, Arguments: [4]),
        new("Tensor_Tanh", $$"""
            public partial class Tensor_Tanh(int inputs)
            {
                public int ParameterCount => inputs;
                public int InputCount => inputs;
                public int OutputCount => inputs;

                [MoreauLayer(Batched = true)]
                public void Apply{{Span3}}
                {
                    Ops.Tanh(x, y);
                    Ops.AddBias(y, w, x.Length / inputs, inputs);
                    Ops.Tanh(y, y);
                }
            }
            """, Arguments: [3]),
        new("Tensor_Sigmoid", $$"""
            public partial class Tensor_Sigmoid(int inputs)
            {
                public int ParameterCount => inputs;
                public int InputCount => inputs;
                public int OutputCount => inputs;

                [MoreauLayer(Batched = true)]
                public void Apply{{Span3}}
                {
                    Ops.Sigmoid(x, y);
                    Ops.AddBias(y, w, x.Length / inputs, inputs);
                    Ops.Sigmoid(y, y);
                }
            }
            """, Arguments: [3], Low: -3, High: 3),
        new("Tensor_Add", $$"""
            public partial class Tensor_Add(int inputs)
            {
                public int ParameterCount => inputs * inputs;
                public int InputCount => inputs;
                public int OutputCount => inputs;

                [MoreauLayer(Batched = true)]
                public void Apply{{Span3}}
                {
                    Ops.MatMul(x, w, y, x.Length / inputs, inputs, inputs);
                    Ops.Add(y, x, y);
                    Ops.Add(x, y, y);
                }
            }
            """, Arguments: [3]),
        new("Tensor_Multiply", $$"""
            public partial class Tensor_Multiply(int inputs)
            {
                public int ParameterCount => inputs * inputs;
                public int InputCount => inputs;
                public int OutputCount => inputs;

                [MoreauLayer(Batched = true)]
                public void Apply{{Span3}}
                {
                    Ops.MatMul(x, w, y, x.Length / inputs, inputs, inputs);
                    Ops.Multiply(y, x, y);
                    Ops.Multiply(y, y, y);
                }
            }
            """, Arguments: [3]),
        new("Tensor_Scale", $$"""
            public partial class Tensor_Scale(int inputs)
            {
                public int ParameterCount => inputs + 1;
                public int InputCount => inputs;
                public int OutputCount => inputs;

                [MoreauLayer(Batched = true)]
                public void Apply{{Span3}}
                {
                    Ops.Scale(x, w[inputs], y);
                    Ops.AddBias(y, w[..inputs], x.Length / inputs, inputs);
                    Ops.Scale(y, w[inputs], y);
                    Ops.Scale(y, 0.5f, y);
                }
            }
            """, Arguments: [3]),
        new("Tensor_Conv2d", $$"""
            public partial class Tensor_Conv2d(int channels, int height, int width, int filters, int kernel, int stride, int padding)
            {
                private int OutHeight => (height + 2 * padding - kernel) / stride + 1;
                private int OutWidth => (width + 2 * padding - kernel) / stride + 1;
                public int ParameterCount => filters * channels * kernel * kernel;
                public int InputCount => channels * height * width;
                public int OutputCount => filters * OutHeight * OutWidth;

                [MoreauLayer(Batched = true)]
                public void Apply{{Span3}}
                {
                    Ops.Conv2d(x, w, y, x.Length / InputCount, channels, height, width, filters, kernel, kernel, stride, padding);
                }
            }
            """, Arguments: [2, 5, 4, 3, 3, 2, 1]),
        new("Tensor_AddChannelBias", $$"""
            public partial class Tensor_AddChannelBias(int channels, int size)
            {
                public int ParameterCount => channels;
                public int InputCount => channels * size;
                public int OutputCount => channels * size;

                [MoreauLayer(Batched = true)]
                public void Apply{{Span3}}
                {
                    Ops.Tanh(x, y);
                    Ops.AddChannelBias(y, w, x.Length / InputCount, channels, size);
                    Ops.Tanh(y, y);
                }
            }
            """, Arguments: [3, 4]),
        new("Tensor_MaxPool2d", $$"""
            public partial class Tensor_MaxPool2d(int channels, int height, int width, int kernel, int stride)
            {
                public int ParameterCount => channels;
                public int InputCount => channels * height * width;
                public int OutputCount => channels * ((height - kernel) / stride + 1) * ((width - kernel) / stride + 1);

                [MoreauLayer(Batched = true)]
                public void Apply{{Span3}}
                {
                    // Pooling of a function of w and x, so that both gradients go through the pooling's reverse.
                    int m = x.Length / InputCount;
                    Span<T> h = new T[x.Length];
                    Ops.Tanh(x, h);
                    Ops.AddChannelBias(h, w, m, channels, height * width);
                    Ops.MaxPool2d(h, y, m, channels, height, width, kernel, stride);
                }
            }
            """, Arguments: [2, 5, 4, 2, 2]),
        new("Tensor_AvgPool2d", $$"""
            public partial class Tensor_AvgPool2d(int channels, int height, int width, int kernel, int stride)
            {
                public int ParameterCount => channels;
                public int InputCount => channels * height * width;
                public int OutputCount => channels * ((height - kernel) / stride + 1) * ((width - kernel) / stride + 1);

                [MoreauLayer(Batched = true)]
                public void Apply{{Span3}}
                {
                    int m = x.Length / InputCount;
                    Span<T> h = new T[x.Length];
                    Ops.Tanh(x, h);
                    Ops.AddChannelBias(h, w, m, channels, height * width);
                    Ops.AvgPool2d(h, y, m, channels, height, width, kernel, stride);
                    Ops.Tanh(y, y);
                }
            }
            """, Arguments: [2, 5, 5, 3, 2]),

        // ---- combinations ---------------------------------------------------------------------------------
        new("TensorAffine", $$"""
            public partial class TensorAffine(int inputs, int outputs)
            {
                public int ParameterCount => inputs * outputs + outputs;
                public int InputCount => inputs;
                public int OutputCount => outputs;

                [MoreauLayer(Batched = true)]
                public void Apply{{Span3}}
                {
                    int m = x.Length / inputs;
                    int k = inputs * outputs;
                    Ops.MatMul(x, w[..k], y, m, inputs, outputs);
                    Ops.AddBias(y, w[k..], m, outputs);
                }
            }
            """, Arguments: [4, 3]),
        new("TensorMlp", $$"""
            public partial class TensorMlp(int inputs, int hidden, int outputs)
            {
                public int ParameterCount => inputs * hidden + hidden + hidden * outputs + outputs;
                public int InputCount => inputs;
                public int OutputCount => outputs;

                [MoreauLayer(Batched = true)]
                public void Apply{{Span3}}
                {
                    int m = x.Length / inputs;
                    int first = inputs * hidden + hidden;
                    var w1 = w[..(inputs * hidden)];
                    var b1 = w[(inputs * hidden)..first];
                    var w2 = w.Slice(first, hidden * outputs);
                    var b2 = w[(first + hidden * outputs)..];
                    Span<T> h = new T[m * hidden];
                    Ops.MatMul(x, w1, h, m, inputs, hidden);
                    Ops.AddBias(h, b1, m, hidden);
                    Ops.Tanh(h, h);
                    Ops.MatMul(h, w2, y, m, hidden, outputs);
                    Ops.AddBias(y, b2, m, outputs);
                    Ops.Sigmoid(y, y);
                }
            }
            """, Arguments: [3, 4, 2]),
        new("TensorConstantSlices", $$"""
            public partial class TensorConstantSlices
            {
                [MoreauLayer(Batched = true, Parameters = 26, Inputs = 3, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    // Sizes fixed by the attribute; w cut by constant slices into a partition (gradW written, never cleared).
                    const int hidden = 4;
                    int m = x.Length / 3;
                    Span<T> h = new T[m * hidden];
                    Ops.MatMul(x, w[..12], h, m, 3, hidden);
                    Ops.AddBias(h, w[12..16], m, hidden);
                    Ops.Tanh(h, h);
                    Ops.MatMul(h, w[16..24], y, m, hidden, 2);
                    Ops.AddBias(y, w[24..], m, 2);
                }
            }
            """),
        new("TensorTransposedB", $$"""
            public partial class TensorTransposedB(int inputs, int outputs)
            {
                public int ParameterCount => outputs * inputs;
                public int InputCount => inputs;
                public int OutputCount => outputs;

                [MoreauLayer(Batched = true)]
                public void Apply{{Span3}}
                {
                    // y = x·Wᵀ with W stored outputs × inputs.
                    Ops.MatMul(x, w, y, x.Length / inputs, inputs, outputs, transposeB: true);
                }
            }
            """, Arguments: [3, 2]),
        new("TensorTransposedA", $$"""
            public partial class TensorTransposedA(int inputs, int hidden, int outputs)
            {
                public int ParameterCount => inputs * hidden + hidden * outputs;
                public int InputCount => inputs;
                public int OutputCount => outputs;

                [MoreauLayer(Batched = true)]
                public void Apply{{Span3}}
                {
                    int m = x.Length / inputs;
                    int k = inputs * hidden;
                    // t = Aᵀ·xᵀ (hidden × m) with A stored inputs × hidden, then y = tᵀ·B (m × outputs): both flags, then transposeA alone.
                    Span<T> t = new T[hidden * m];
                    Ops.MatMul(w[..k], x, t, hidden, inputs, m, true, true);
                    Ops.Tanh(t, t);
                    Ops.MatMul(t, w[k..], y, m, hidden, outputs, transposeA: true);
                }
            }
            """, Arguments: [3, 4, 2]),
        new("TensorSplitOutput", $$"""
            public partial class TensorSplitOutput(int inputs)
            {
                public int ParameterCount => 2;
                public int InputCount => inputs;
                public int OutputCount => inputs;

                [MoreauLayer(Batched = true)]
                public void Apply{{Span3}}
                {
                    // Two views of y and of x that partition them; x[half..] is read twice by one call.
                    int half = x.Length / 2;
                    Span<T> top = y[..half];
                    Ops.Tanh(x[..half], top);
                    Ops.Scale(top, w[0], top);
                    Ops.Multiply(x[half..], x[half..], y[half..]);
                    Ops.Scale(y[half..], w[1], y[half..]);
                }
            }
            """, Arguments: [4]),
        new("TensorFanOut", $$"""
            public partial class TensorFanOut(int inputs)
            {
                public int ParameterCount => inputs * inputs;
                public int InputCount => inputs;
                public int OutputCount => inputs;

                [MoreauLayer(Batched = true)]
                public void Apply{{Span3}}
                {
                    // h is read by three calls (its adjoint accumulates); y is overwritten by a call that reads h only.
                    int m = x.Length / inputs;
                    Span<T> h = new T[m * inputs];
                    Span<T> g = new T[m * inputs];
                    Ops.MatMul(x, w, h, m, inputs, inputs);
                    Ops.Sigmoid(h, g);
                    Ops.Multiply(h, g, y);
                    Ops.Add(y, h, g);
                    Ops.Relu(g, y);
                }
            }
            """, Arguments: [3], Low: 0.2, High: 1),
        new("TensorSharedParameters", $$"""
            public partial class TensorSharedParameters(int inputs)
            {
                public int ParameterCount => inputs * inputs + 2;
                public int InputCount => inputs;
                public int OutputCount => inputs;

                [MoreauLayer(Batched = true)]
                public void Apply{{Span3}}
                {
                    // The same weights twice (their gradient adds up), one value of w unused, a factor w[i]:
                    // gradW is cleared and added to.
                    int m = x.Length / inputs;
                    var weights = w[..(inputs * inputs)];
                    Span<T> h = new T[m * inputs];
                    Ops.MatMul(x, weights, h, m, inputs, inputs);
                    Ops.Tanh(h, h);
                    Ops.MatMul(h, weights, y, m, inputs, inputs, transposeB: true);
                    Ops.Scale(y, w[inputs * inputs], y);
                }
            }
            """, Arguments: [3]),
        new("TensorConstants", $$"""
            public partial class TensorConstants(int inputs)
            {
                private readonly T gain = 0.75f;

                public int ParameterCount => inputs;
                public int InputCount => inputs;
                public int OutputCount => inputs;

                [MoreauLayer(Batched = true)]
                public void Apply{{Span3}}
                {
                    const T half = 0.5f;
                    int m = x.Length / inputs;
                    Span<T> h = new T[m * inputs];
                    Ops.Scale(x, half, h);
                    Ops.AddBias(h, w, m, inputs);
                    Ops.Scale(h, gain, y);
                    Ops.Multiply(y, h, y);
                }
            }
            """, Arguments: [3]),

        // Five values the reverse pass reads, four of them overwritten by the next in-place call: the running tape
        // offsets are declared as int locals among the sizes (tapeOffset, tapeOffset_2, …) instead of growing sums.
        new("TensorLongTape", $$"""
            public partial class TensorLongTape(int inputs)
            {
                public int ParameterCount => inputs * inputs + inputs;
                public int InputCount => inputs;
                public int OutputCount => inputs;

                [MoreauLayer(Batched = true)]
                public void Apply{{Span3}}
                {
                    int m = x.Length / inputs;
                    Span<T> h = new T[m * inputs];
                    Ops.MatMul(x, w[..(inputs * inputs)], h, m, inputs, inputs);
                    Ops.Tanh(h, h);
                    Ops.AddBias(h, w[(inputs * inputs)..], m, inputs);
                    Ops.Sigmoid(h, h);
                    Ops.Tanh(h, h);
                    Ops.Multiply(h, h, h);
                    Ops.Sigmoid(h, h);
                    Ops.Tanh(h, y);
                }
            }
            """, Arguments: [3]),

        new("ConvBlock", $$"""
            public partial class ConvBlock(int channels, int size, int filters)
            {
                public int ParameterCount => filters * channels * 9 + filters;
                public int InputCount => channels * size * size;
                public int OutputCount => filters * (size / 2) * (size / 2);

                [MoreauLayer(Batched = true)]
                public void Apply{{Span3}}
                {
                    // The paper's conv layer (App. E.1.2, Fig. 4 bottom): conv (padding keeps the size), bias, ReLU, 2×2 max-pool.
                    int m = x.Length / InputCount;
                    int k = filters * channels * 9;
                    Span<T> z = new T[m * filters * size * size];
                    Ops.Conv2d(x, w[..k], z, m, channels, size, size, filters, 3, 3, 1, 1);
                    Ops.AddChannelBias(z, w[k..], m, filters, size * size);
                    Ops.Relu(z, z);
                    Ops.MaxPool2d(z, y, m, filters, size, size, 2, 2);
                }
            }
            """, Arguments: [2, 6, 3]),
    ];

    public static CorpusEntry Find(string name) => Entries.Single(e => e.Name == name);
}
