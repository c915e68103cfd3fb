using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MoreauGen.Kernels;

/// <summary>
/// The forward convolution of one sample as an implicit GEMM: y[C_out × P] = W[C_out × K] · col[K × P] without the
/// column matrix. The weights are packed once per call into the micro-kernel's MR-row panels
/// (<see cref="PackWeights{T, TKernel}"/>, shared by every sample and thread); each NR-column panel of col is then
/// gathered straight from the sample into the micro-kernel's packed-B layout (<see cref="PackPanel{T}"/>, K × NR, a
/// few KB that stay in L1 while the kernel reads them), and multiplied at once. Against im2col followed by the packed
/// GEMM this drops the K × P column matrix, the GEMM's second copy of it into its panels, and the repacking of the
/// same weights for every sample.
/// </summary>
/// <remarks>
/// The sample is first copied into a zero-bordered plane per channel (H + 2p rows of W + 2p), so that every value a
/// panel reads is in bounds: entry (k = (c, i, j), pixel (r, q)) of col is padded[c, r·s + i, q·s + j]. A panel's NR
/// pixels are cut into runs that lie on one output row; for stride 1 a run is one contiguous copy of vectors, for
/// larger strides a strided gather. Depth is blocked by KC as the GEMM does (<see cref="Gemm.DefaultBlocking{T}"/>),
/// so a kc × NR part of the panel is what the kernel streams from L1.
/// </remarks>
internal static unsafe class ImplicitGemm
{
    /// <summary>
    /// The whole batch on the calling thread with <paramref name="kernel"/> (a kernel the hardware lacks falls back as in
    /// <see cref="Gemm.Resolve{T}"/>), buffers allocated per call: the entry for tests of every kernel.
    /// </summary>
    public static void ForwardBatch<T>(GemmKernel kernel, ReadOnlySpan<T> x, ReadOnlySpan<T> weights, Span<T> y, in ConvolutionShape shape)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        kernel = Gemm.Resolve<T>(kernel, shape.Pixels);
        var packed = new AlignedBuffer<T>();
        packed.EnsureCapacity(PackedWeightsLength<T>(kernel, shape));
        var scratch = new AlignedBuffer<T>();
        scratch.EnsureCapacity(ScratchLength<T>(shape));
        new Span<T>(scratch.Pointer, (int)ScratchLength<T>(shape)).Fill(T.NaN); // stale scratch must not leak into y
        fixed (T* px = x)
        fixed (T* pw = weights)
        fixed (T* py = y)
        {
            PackWeights(kernel, pw, shape, packed.Pointer);
            for (int n = 0; n < shape.Batch; n++)
                Forward(kernel, px + (nint)n * shape.InputSize, packed.Pointer, py + (nint)n * shape.OutputSize, scratch.Pointer, shape);
        }
    }

    /// <summary>Elements of the packed weights for <paramref name="kernel"/> (see the generic overload).</summary>
    public static nint PackedWeightsLength<T>(GemmKernel kernel, in ConvolutionShape shape)
        where T : unmanaged, IFloatingPointIeee754<T>
        => kernel switch
        {
            GemmKernel.Avx512 => PackedWeightsLength<T, Avx512Kernel<T>>(shape),
            GemmKernel.Avx512Wide => PackedWeightsLength<T, Avx512WideKernel<T>>(shape),
            GemmKernel.Avx2 => PackedWeightsLength<T, Avx2Kernel<T>>(shape),
            _ => PackedWeightsLength<T, PortableKernel<T>>(shape),
        };

    /// <summary>Elements of one thread's scratch, enough for every kernel.</summary>
    public static nint ScratchLength<T>(in ConvolutionShape shape)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Math.Max(Math.Max(ScratchLength<T, Avx512Kernel<T>>(shape), ScratchLength<T, Avx512WideKernel<T>>(shape)),
                    Math.Max(ScratchLength<T, Avx2Kernel<T>>(shape), ScratchLength<T, PortableKernel<T>>(shape)));

    /// <summary><see cref="PackWeights{T, TKernel}"/> for <paramref name="kernel"/>.</summary>
    public static void PackWeights<T>(GemmKernel kernel, T* weights, in ConvolutionShape shape, T* dst)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (kernel)
        {
            case GemmKernel.Avx512: PackWeights<T, Avx512Kernel<T>>(weights, shape, dst); break;
            case GemmKernel.Avx512Wide: PackWeights<T, Avx512WideKernel<T>>(weights, shape, dst); break;
            case GemmKernel.Avx2: PackWeights<T, Avx2Kernel<T>>(weights, shape, dst); break;
            default: PackWeights<T, PortableKernel<T>>(weights, shape, dst); break;
        }
    }

    /// <summary><see cref="Forward{T, TKernel}"/> for <paramref name="kernel"/>.</summary>
    public static void Forward<T>(GemmKernel kernel, T* x, T* packedWeights, T* y, T* scratch, in ConvolutionShape shape)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (kernel)
        {
            case GemmKernel.Avx512: Forward<T, Avx512Kernel<T>>(x, packedWeights, y, scratch, shape); break;
            case GemmKernel.Avx512Wide: Forward<T, Avx512WideKernel<T>>(x, packedWeights, y, scratch, shape); break;
            case GemmKernel.Avx2: Forward<T, Avx2Kernel<T>>(x, packedWeights, y, scratch, shape); break;
            default: Forward<T, PortableKernel<T>>(x, packedWeights, y, scratch, shape); break;
        }
    }

    /// <summary>Elements of the packed weights: ⌈C_out / MR⌉·MR rows of K.</summary>
    public static nint PackedWeightsLength<T, TKernel>(in ConvolutionShape shape)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TKernel : struct, IMicroKernel<T>
        => (nint)((shape.OutChannels + TKernel.MR - 1) / TKernel.MR) * TKernel.MR * shape.Patch;

    /// <summary>Elements of one thread's scratch: a K × NR panel, then the zero-bordered sample.</summary>
    public static nint ScratchLength<T, TKernel>(in ConvolutionShape shape)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TKernel : struct, IMicroKernel<T>
        => PanelLength<T, TKernel>(shape) + PaddedSampleLength(shape);

    /// <summary>Packs the weights [C_out × K] into MR-row panels over the whole depth: dst[panel][p·MR + i] = W[panel·MR + i, p].</summary>
    public static void PackWeights<T, TKernel>(T* weights, in ConvolutionShape shape, T* dst)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TKernel : struct, IMicroKernel<T>
    {
        int mr = TKernel.MR, k = shape.Patch, cout = shape.OutChannels;
        for (int row0 = 0, panel = 0; row0 < cout; row0 += mr, panel++)
            GemmPacking.PackA(weights, cout, k, false, row0, Math.Min(mr, cout - row0), 0, k, dst + (nint)panel * mr * k, mr);
    }

    /// <summary>
    /// y[C_out × P] = W · col(x) for one sample x[C_in × H × W]. <paramref name="packedWeights"/> comes from
    /// <see cref="PackWeights{T, TKernel}"/>; <paramref name="scratch"/> holds <see cref="ScratchLength{T, TKernel}"/>
    /// elements, 64-byte aligned.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a kernel: fully optimised from its first call
    public static void Forward<T, TKernel>(T* x, T* packedWeights, T* y, T* scratch, in ConvolutionShape shape)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TKernel : struct, IMicroKernel<T>
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        int k = shape.Patch, pixels = shape.Pixels, cout = shape.OutChannels;
        T* panel = scratch;
        T* padded = scratch + PanelLength<T, TKernel>(shape);
        Pad(x, padded, shape);

        // Depth blocks as even as the GEMM's at its default KC (k = 500 with KC = 256 gives two blocks of 250); the GEMM's deeper
        // blocks (for m up to 2·MC, and DeepKC above 2·MC on the AVX-512 float kernel) are not used here, so sums may
        // differ from the GEMM's in the last bits (its tests use tolerances).
        int kcMax = Gemm.DefaultBlocking<T>(KernelOf<T, TKernel>()).KC;
        int blocks = (k + kcMax - 1) / kcMax;
        int kcEven = (k + blocks - 1) / blocks;
        T* tile = stackalloc T[mr * nr];

        for (int p0 = 0; p0 < pixels; p0 += nr)
        {
            int cols = Math.Min(nr, pixels - p0);
            PackPanel(padded, panel, shape, p0, cols, nr);
            for (int pc = 0; pc < k; pc += kcEven)
            {
                int kc = Math.Min(kcEven, k - pc);
                bool accumulate = pc > 0;
                T* b = panel + (nint)pc * nr;
                for (int row0 = 0; row0 < cout; row0 += mr)
                {
                    int rows = Math.Min(mr, cout - row0);
                    T* a = packedWeights + (nint)row0 * k + (nint)pc * mr;
                    T* c = y + (nint)row0 * pixels + p0;
                    if (rows == mr && cols == nr)
                    {
                        TKernel.Run(kc, a, b, c, pixels, accumulate);
                    }
                    else
                    {
                        // The kernel's own edge tile (MicroKernelEdges: C_out = 16 on the 12-row AVX-512 kernel is a full
                        // tile and a 4-row group costing a third of one, not two full tiles).
                        TKernel.RunEdge(kc, a, b, c, pixels, accumulate, rows, cols, tile);
                    }
                }
            }
        }
    }

    /// <summary>
    /// Gathers columns [p0, p0 + cols) of col into one packed-B panel: dst[k·nr + t] = col[k, p0 + t], zero for
    /// t ≥ cols. <paramref name="padded"/> is the zero-bordered sample (<see cref="Pad{T}"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void PackPanel<T>(T* padded, T* dst, in ConvolutionShape shape, int p0, int cols, int nr)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int ow = shape.OutWidth, s = shape.Stride, kh = shape.KernelHeight, kw = shape.KernelWidth;
        int wp = shape.Width + 2 * shape.Padding, planeSize = (shape.Height + 2 * shape.Padding) * wp;

        // The panel's runs of pixels on one output row: destination offset, length, and source offset in a plane.
        int* runStart = stackalloc int[nr + 1];
        int* runLength = stackalloc int[nr + 1];
        nint* runSource = stackalloc nint[nr + 1];
        int runs = 0;
        for (int t = 0; t < cols; runs++)
        {
            int r = (p0 + t) / ow, q = (p0 + t) % ow;
            int length = Math.Min(ow - q, cols - t);
            runStart[runs] = t;
            runLength[runs] = length;
            runSource[runs] = (nint)r * s * wp + (nint)q * s;
            t += length;
        }

        T* row = dst;
        for (int c = 0; c < shape.InChannels; c++)
        {
            for (int i = 0; i < kh; i++)
            {
                for (int j = 0; j < kw; j++, row += nr)
                {
                    T* source = padded + (nint)c * planeSize + (nint)i * wp + j;
                    if (s == 1)
                    {
                        for (int u = 0; u < runs; u++)
                            CopyRun(source + runSource[u], row + runStart[u], runLength[u]);
                    }
                    else
                    {
                        for (int u = 0; u < runs; u++)
                        {
                            T* from = source + runSource[u];
                            T* to = row + runStart[u];
                            for (int t = 0; t < runLength[u]; t++)
                                to[t] = from[(nint)t * s];
                        }
                    }
                    for (int t = cols; t < nr; t++)
                        row[t] = T.Zero;
                }
            }
        }
    }

    /// <summary>The sample x[C_in × H × W] into planes of (H + 2p) × (W + 2p) with a zero border of width p.</summary>
    internal static void Pad<T>(T* x, T* padded, in ConvolutionShape shape)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int h = shape.Height, w = shape.Width, p = shape.Padding, wp = w + 2 * p;
        nint size = PaddedSampleLength(shape);
        if (p > 0)
            new Span<T>(padded, (int)size).Clear();
        for (int c = 0; c < shape.InChannels; c++)
        {
            T* plane = padded + (nint)c * (h + 2 * p) * wp + (nint)p * wp + p;
            T* source = x + (nint)c * h * w;
            for (int r = 0; r < h; r++)
                CopyRun(source + (nint)r * w, plane + (nint)r * wp, w);
        }
    }

    /// <summary>dst[0..length) = src[0..length) with whole vectors; the last vector overlaps the previous one instead of a scalar tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyRun<T>(T* src, T* dst, int length)
        where T : unmanaged
    {
        if (Vector512.IsHardwareAccelerated && length >= Vector512<T>.Count)
        {
            int w = Vector512<T>.Count, t = 0;
            for (; t + w <= length; t += w)
                Vector512.Load(src + t).Store(dst + t);
            if (t < length)
                Vector512.Load(src + length - w).Store(dst + length - w);
        }
        else if (Vector256.IsHardwareAccelerated && length >= Vector256<T>.Count)
        {
            int w = Vector256<T>.Count, t = 0;
            for (; t + w <= length; t += w)
                Vector256.Load(src + t).Store(dst + t);
            if (t < length)
                Vector256.Load(src + length - w).Store(dst + length - w);
        }
        else if (Vector128.IsHardwareAccelerated && length >= Vector128<T>.Count)
        {
            int w = Vector128<T>.Count, t = 0;
            for (; t + w <= length; t += w)
                Vector128.Load(src + t).Store(dst + t);
            if (t < length)
                Vector128.Load(src + length - w).Store(dst + length - w);
        }
        else
        {
            for (int t = 0; t < length; t++)
                dst[t] = src[t];
        }
    }

    private static nint PanelLength<T, TKernel>(in ConvolutionShape shape)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TKernel : struct, IMicroKernel<T>
        => (nint)shape.Patch * TKernel.NR;

    private static nint PaddedSampleLength(in ConvolutionShape shape)
        => (nint)shape.InChannels * (shape.Height + 2 * shape.Padding) * (shape.Width + 2 * shape.Padding);

    private static GemmKernel KernelOf<T, TKernel>()
        where T : unmanaged, IFloatingPointIeee754<T>
        where TKernel : struct, IMicroKernel<T>
        => typeof(TKernel) == typeof(Avx512Kernel<T>) ? GemmKernel.Avx512
         : typeof(TKernel) == typeof(Avx512WideKernel<T>) ? GemmKernel.Avx512Wide
         : typeof(TKernel) == typeof(Avx2Kernel<T>) ? GemmKernel.Avx2
         : GemmKernel.Portable;
}
