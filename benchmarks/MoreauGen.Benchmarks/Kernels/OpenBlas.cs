using System.Runtime.InteropServices;

namespace MoreauGen.Benchmarks.Kernels;

/// <summary>
/// OpenBLAS's <c>cblas_sgemm</c> through function pointers resolved at run time, so a machine without
/// <c>libopenblas.so.0</c> gets a clear message instead of a <see cref="DllNotFoundException"/>.
/// </summary>
internal static unsafe class OpenBlas
{
    /// <summary>What to install when the library is missing.</summary>
    public const string MissingMessage =
        "OpenBLAS (libopenblas.so.0) was not found, so the OpenBLAS baselines are left out and no ratios are shown. " +
        "Install it with: apt-get install -y libopenblas0-pthread";

    private const int RowMajor = 101, NoTrans = 111, Trans = 112;

    private static readonly delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> Sgemm;
    private static readonly delegate* unmanaged<int, void> SetNumThreads;
    private static readonly delegate* unmanaged<sbyte*> GetCoreName;

    static OpenBlas()
    {
        if (!NativeLibrary.TryLoad("libopenblas.so.0", out nint handle))
            return;
        if (NativeLibrary.TryGetExport(handle, "cblas_sgemm", out nint sgemm))
            Sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)sgemm;
        if (NativeLibrary.TryGetExport(handle, "openblas_set_num_threads", out nint setThreads))
            SetNumThreads = (delegate* unmanaged<int, void>)setThreads;
        if (NativeLibrary.TryGetExport(handle, "openblas_get_corename", out nint coreName))
            GetCoreName = (delegate* unmanaged<sbyte*>)coreName;
    }

    /// <summary>Whether <c>cblas_sgemm</c> could be loaded.</summary>
    public static bool IsAvailable => Sgemm != null && SetNumThreads != null;

    /// <summary>The kernel family OpenBLAS picked for this CPU (e.g. "Haswell"), or "unknown".</summary>
    public static string CoreName => GetCoreName != null ? new string(GetCoreName()) : "unknown";

    /// <summary>Sets OpenBLAS's thread count (the benchmarks use 2, the machine's cores).</summary>
    public static void SetThreads(int threads)
    {
        EnsureAvailable();
        SetNumThreads(threads);
    }

    /// <summary>
    /// c[m×n] = op(a)·op(b), row-major, with the same storage conventions as <see cref="Ops.MatMul{T}"/>.
    /// </summary>
    public static void MatMul(float[] a, float[] b, float[] c, int m, int k, int n, bool transposeA, bool transposeB)
    {
        EnsureAvailable();
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            Sgemm(RowMajor, transposeA ? Trans : NoTrans, transposeB ? Trans : NoTrans, m, n, k,
                  1f, pa, transposeA ? m : k, pb, transposeB ? k : n, 0f, pc, n);
        }
    }

    private static void EnsureAvailable()
    {
        if (!IsAvailable)
            throw new InvalidOperationException(MissingMessage);
    }
}
