using System.Numerics;
using System.Numerics.Tensors;

namespace MoreauGen.Kernels;

/// <summary>Which product of a convolution a <see cref="ConvolutionJob{T}"/> computes.</summary>
internal enum ConvolutionPass
{
    /// <summary>yₙ = W · colₙ for every sample n.</summary>
    Forward,

    /// <summary>dxₙ (+)= col2im(Wᵀ · dyₙ) for every sample n.</summary>
    InputGradient,

    /// <summary>dW (+)= Σₙ dyₙ · colₙᵀ.</summary>
    WeightGradient,
}

/// <summary>
/// The convolution kernels behind <see cref="Ops.Conv2d{T}"/> and its reverse members. The forward pass is an implicit
/// GEMM (<see cref="ImplicitGemm"/>: the weights packed once, each sample's column matrix gathered panel by panel into
/// the micro-kernel's layout); the reverse passes lower each sample to its column matrix (<see cref="Im2Col"/>) in a
/// per-thread buffer and multiply by our packed GEMM on that thread. Either way the
/// samples are shared out among the threads of the <see cref="WorkerPool"/>; a batch of one (or a busy pool) runs on
/// the calling thread. Buffers are kept from call to call: nothing is allocated
/// once they have grown to the largest shape seen.
/// </summary>
internal static unsafe class Convolution
{
    /// <summary>Below this many multiply-adds a convolution stays on the calling thread.</summary>
    private const long ParallelWorkAtLeast = 1L << 18;

    /// <summary>Runs one pass. The pointers' lengths follow <paramref name="shape"/> and were checked by the caller.</summary>
    /// <param name="pass">The product to compute.</param>
    /// <param name="x">The input (forward, weight gradient) or null.</param>
    /// <param name="weights">The weights (forward, input gradient) or null.</param>
    /// <param name="y">The output (forward) or its adjoint dy (reverse passes).</param>
    /// <param name="result">dx (input gradient) or dW (weight gradient); unused by the forward pass.</param>
    /// <param name="shape">The sizes.</param>
    /// <param name="accumulate">Add to <paramref name="result"/> rather than write it (reverse passes).</param>
    public static void Run<T>(ConvolutionPass pass, T* x, T* weights, T* y, T* result, in ConvolutionShape shape, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (shape.Batch == 0)
        {
            if (pass == ConvolutionPass.WeightGradient && !accumulate)
                new Span<T>(result, shape.WeightSize).Clear();
            return;
        }

        WorkerPool pool = WorkerPool.Shared;
        bool parallel = shape.Batch > 1 && shape.Work >= ParallelWorkAtLeast;
        if (parallel && pool.TryReserve())
        {
            ConvolutionJob<T> shared = ConvolutionJob<T>.Shared;
            try
            {
                shared.Prepare(pass, x, weights, y, result, shape, accumulate, pool.ThreadCount);
                pool.RunReserved(shared);
                shared.Finish();
            }
            finally
            {
                shared.Clear();
                pool.Release();
            }
            return;
        }

        // A busy pool: the same work on the calling thread. The weight gradient keeps the pool's split of the samples
        // into partial sums, added in the same order, so that dW does not depend on whether the pool was free.
        int groups = parallel && pass == ConvolutionPass.WeightGradient ? pool.ThreadCount : 1;
        ConvolutionJob<T> local = ConvolutionJob<T>.Local;
        local.Prepare(pass, x, weights, y, result, shape, accumulate, threads: groups);
        for (int group = 0; group < groups; group++)
            local.Run(group);
        local.Finish();
        local.Clear();
    }
}

/// <summary>
/// One convolution pass over a batch, shared out by samples. The forward and input-gradient passes claim samples one
/// at a time (each sample's result is its own, so the order does not matter); the weight gradient gives each thread a
/// fixed contiguous range of samples summed into its own partial dW, and <see cref="Finish"/> adds the partials in
/// thread order, so the result does not depend on timing.
/// </summary>
internal sealed unsafe class ConvolutionJob<T> : ParallelJob
    where T : unmanaged, IFloatingPointIeee754<T>
{
    [ThreadStatic] private static ConvolutionJob<T>? t_local;
    private static ConvolutionJob<T>? s_shared;

    /// <summary>The GEMM on the calling thread only: the samples are the parallel dimension.</summary>
    private static readonly GemmOptions SingleThread = new() { MaxThreads = 1 };

    private AlignedBuffer<T>[] _columns = [];
    private AlignedBuffer<T>[] _partials = [];
    private readonly AlignedBuffer<T> _packedWeights = new();
    private GemmKernel _kernel;
    private PaddedCounter _next;

    private ConvolutionPass _pass;
    private T* _x, _weights, _y, _result;
    private ConvolutionShape _shape;
    private bool _accumulate;
    private int _threads;

    /// <summary>The calling thread's single-threaded instance.</summary>
    public static ConvolutionJob<T> Local => t_local ??= new ConvolutionJob<T>();

    /// <summary>The instance the <see cref="WorkerPool"/> runs (used only while the pool is held).</summary>
    public static ConvolutionJob<T> Shared => s_shared ??= new ConvolutionJob<T>();

    /// <summary>Sets the problem and grows the per-thread buffers as needed.</summary>
    public void Prepare(ConvolutionPass pass, T* x, T* weights, T* y, T* result, in ConvolutionShape shape, bool accumulate, int threads)
    {
        _pass = pass;
        _x = x; _weights = weights; _y = y; _result = result;
        _shape = shape;
        _accumulate = accumulate;
        _threads = threads;
        _next.Value = 0;
        if (_columns.Length < threads)
        {
            Array.Resize(ref _columns, threads);
            Array.Resize(ref _partials, threads);
        }
        bool implicitForward = pass == ConvolutionPass.Forward && !shape.IsPointwise;
        if (implicitForward)
            _kernel = PackWeights(weights, shape);
        for (int t = 0; t < threads; t++)
        {
            _columns[t] ??= new AlignedBuffer<T>();
            _columns[t].EnsureCapacity(implicitForward ? ImplicitGemm.ScratchLength<T>(shape) : (nint)shape.Patch * shape.Pixels);
            if (pass == ConvolutionPass.WeightGradient && threads > 1)
            {
                _partials[t] ??= new AlignedBuffer<T>();
                _partials[t].EnsureCapacity(shape.WeightSize);
            }
        }
    }

    /// <summary>Forgets the problem's pointers (the buffers stay).</summary>
    public void Clear()
    {
        _x = _weights = _y = _result = null;
    }

    /// <inheritdoc/>
    public override void Run(int thread)
    {
        if (_pass == ConvolutionPass.WeightGradient)
        {
            RunWeightGradient(thread);
            return;
        }

        while (true)
        {
            int n = (int)(Interlocked.Increment(ref _next.Value) - 1);
            if (n >= _shape.Batch)
                return;
            if (_pass == ConvolutionPass.Forward)
                ForwardSample(thread, n);
            else
                InputGradientSample(thread, n);
        }
    }

    /// <summary>After <see cref="Run"/> on every thread: dW (+)= the threads' partial sums, in thread order.</summary>
    public void Finish()
    {
        if (_pass != ConvolutionPass.WeightGradient || _threads == 1)
            return;
        var dw = new Span<T>(_result, _shape.WeightSize);
        if (!_accumulate)
            dw.Clear();
        for (int t = 0; t < _threads; t++)
        {
            if (Samples(t).Count > 0)
                TensorPrimitives.Add(dw, new ReadOnlySpan<T>(_partials[t].Pointer, _shape.WeightSize), dw);
        }
    }

    private void ForwardSample(int thread, int n)
    {
        ref readonly ConvolutionShape s = ref _shape;
        if (!s.IsPointwise)
        {
            // The implicit GEMM: col(xₙ) is gathered panel by panel into the kernel's layout, never whole.
            T* xn = _x + (nint)n * s.InputSize, yn = _y + (nint)n * s.OutputSize, scratch = _columns[thread].Pointer;
            ImplicitGemm.Forward(_kernel, xn, _packedWeights.Pointer, yn, scratch, s);
            return;
        }

        ReadOnlySpan<T> column = Column(thread, n);
        var weights = new ReadOnlySpan<T>(_weights, s.WeightSize);
        var y = new Span<T>(_y + (nint)n * s.OutputSize, s.OutputSize);
        Gemm.Multiply(weights, column, y, s.OutChannels, s.Patch, s.Pixels, false, false, false, SingleThread);
    }

    private void InputGradientSample(int thread, int n)
    {
        ref readonly ConvolutionShape s = ref _shape;
        var weights = new ReadOnlySpan<T>(_weights, s.WeightSize);
        var dy = new ReadOnlySpan<T>(_y + (nint)n * s.OutputSize, s.OutputSize);
        var dx = new Span<T>(_result + (nint)n * s.InputSize, s.InputSize);
        if (s.IsPointwise)
        {
            // dxₙ (+)= Wᵀ·dyₙ directly: the column matrix is the sample.
            Gemm.Multiply(weights, dy, dx, s.Patch, s.OutChannels, s.Pixels, true, false, _accumulate, SingleThread);
            return;
        }

        var dcol = new Span<T>(_columns[thread].Pointer, s.Patch * s.Pixels);
        Gemm.Multiply(weights, dy, dcol, s.Patch, s.OutChannels, s.Pixels, true, false, false, SingleThread);
        if (!_accumulate)
            dx.Clear();
        Im2Col.Scatter<T>(dcol, dx, s);
    }

    private void RunWeightGradient(int thread)
    {
        ref readonly ConvolutionShape s = ref _shape;
        Range samples = Samples(thread);
        // One thread writes dW itself; several sum into their partials, added up by Finish.
        var dw = _threads == 1 ? new Span<T>(_result, s.WeightSize) : new Span<T>(_partials[thread].Pointer, s.WeightSize);
        bool accumulate = _threads == 1 && _accumulate;
        for (int n = samples.Start; n < samples.End; n++)
        {
            ReadOnlySpan<T> column = Column(thread, n);
            var dy = new ReadOnlySpan<T>(_y + (nint)n * s.OutputSize, s.OutputSize);
            // dW (+)= dyₙ[C_out × P] · colₙᵀ[P × K].
            Gemm.Multiply(dy, column, dw, s.OutChannels, s.Pixels, s.Patch, false, true, accumulate, SingleThread);
            accumulate = true;
        }
        if (samples.Count == 0 && _threads == 1 && !_accumulate)
            dw.Clear();
    }

    /// <summary>Sample n's column matrix: the sample itself for a pointwise kernel, else gathered into this thread's buffer.</summary>
    private ReadOnlySpan<T> Column(int thread, int n)
    {
        ref readonly ConvolutionShape s = ref _shape;
        var x = new ReadOnlySpan<T>(_x + (nint)n * s.InputSize, s.InputSize);
        if (s.IsPointwise)
            return x;
        var col = new Span<T>(_columns[thread].Pointer, s.Patch * s.Pixels);
        Im2Col.Gather(x, col, s);
        return col;
    }

    /// <summary>Packs the weights for the implicit-GEMM forward pass with the kernel the GEMM would pick for P columns; returns that kernel.</summary>
    private GemmKernel PackWeights(T* weights, in ConvolutionShape shape)
    {
        GemmKernel kernel = Gemm.Resolve<T>(GemmKernel.Auto, shape.Pixels);
        _packedWeights.EnsureCapacity(ImplicitGemm.PackedWeightsLength<T>(kernel, shape));
        ImplicitGemm.PackWeights(kernel, weights, shape, _packedWeights.Pointer);
        return kernel;
    }

    /// <summary>Thread t's fixed share of the samples for the weight gradient.</summary>
    private Range Samples(int thread)
    {
        int batch = _shape.Batch;
        int start = (int)((long)batch * thread / _threads);
        int end = (int)((long)batch * (thread + 1) / _threads);
        return new Range(start, end);
    }

    private readonly record struct Range(int Start, int End)
    {
        public int Count => End - Start;
    }
}
