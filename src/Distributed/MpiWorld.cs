using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MoreauGen.Distributed;

/// <summary>
/// The processes of an MPI job (MPI_COMM_WORLD) through Open MPI's C API: rank and size, in-place sums and maxima,
/// broadcast, barrier and abort. Start the program with <c>mpirun</c>; a program started alone is a job of one process.
/// </summary>
/// <remarks>
/// <para>
/// MPI is initialised with MPI_Init (thread level MPI_THREAD_SINGLE): every call must come from the thread that
/// called <see cref="Initialize"/>, and a call from another thread throws. Other threads (e.g. the GEMM workers)
/// may compute meanwhile; they must not call MPI.
/// </para>
/// <para>
/// Before MPI_Init, glibc's mmap and trim thresholds are raised (mallopt) so that the buffers Open MPI allocates for
/// large reductions are reused rather than mapped and unmapped on every call, which otherwise makes a 10-million-value
/// sum 10–30 times slower.
/// </para>
/// </remarks>
public sealed unsafe partial class MpiWorld : IDisposable
{
    // Open MPI's count is an int; larger sums are split. 4 Mi values (16 MiB of float) keeps each call's temporary
    // buffers below glibc's largest mmap threshold (32 MiB).
    private const int ChunkLength = 1 << 22;
    private const int MpiSuccess = 0;
    private static MpiWorld? s_current;

    private readonly MpiLibrary _library;
    private readonly int _thread;
    private bool _finalized;

    private MpiWorld(MpiLibrary library, int rank, int size)
    {
        _library = library;
        _thread = Environment.CurrentManagedThreadId;
        Rank = rank;
        Size = size;
    }

    /// <summary>This process's rank, 0..<see cref="Size"/> − 1.</summary>
    public int Rank { get; }

    /// <summary>The number of processes in the job.</summary>
    public int Size { get; }

    /// <summary>True on rank 0, the process that writes checkpoints and reports.</summary>
    public bool IsRoot => Rank == 0;

    /// <summary>
    /// Loads Open MPI (<paramref name="library"/>, default libmpi.so.40) and initialises MPI. Call once per process,
    /// from the thread that will make every MPI call.
    /// </summary>
    /// <exception cref="MpiUnavailableException">Open MPI is not installed (the message says what to install).</exception>
    /// <exception cref="InvalidOperationException">MPI was already initialised in this process.</exception>
    public static MpiWorld Initialize(string? library = null)
    {
        MpiLibrary native = MpiLibrary.Load(library ?? MpiLibrary.DefaultName);
        if (s_current is not null)
            throw new InvalidOperationException("MPI is already initialised in this process; use the existing MpiWorld.");
        int initialized = 0;
        Check(native.Initialized(&initialized), "MPI_Initialized");
        if (initialized != 0)
            throw new InvalidOperationException("MPI was initialised by other code in this process; MpiWorld must initialise it.");

        RaiseMallocThresholds();
        Check(native.Init(null, null), "MPI_Init");
        int rank = 0, size = 0;
        Check(native.CommRank(native.CommWorld, &rank), "MPI_Comm_rank");
        Check(native.CommSize(native.CommWorld, &size), "MPI_Comm_size");
        s_current = new MpiWorld(native, rank, size);
        return s_current;
    }

    /// <summary>Replaces <paramref name="values"/> on every process by their element-wise sum over all processes (MPI_Allreduce, MPI_IN_PLACE).</summary>
    public void AllReduceSum(Span<float> values) => AllReduce(MemoryMarshal.AsBytes(values), values.Length, sizeof(float), _library.Float, _library.Sum);

    /// <summary>Replaces <paramref name="values"/> on every process by their element-wise sum over all processes (MPI_Allreduce, MPI_IN_PLACE).</summary>
    public void AllReduceSum(Span<double> values) => AllReduce(MemoryMarshal.AsBytes(values), values.Length, sizeof(double), _library.Double, _library.Sum);

    /// <summary>As the float and double overloads, for <typeparamref name="T"/> = float or double.</summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is another type.</exception>
    public void AllReduceSum<T>(Span<T> values) where T : unmanaged => AllReduce(values, _library.Sum);

    /// <summary>
    /// Replaces <paramref name="values"/> (float or double) on every process by their element-wise maximum over all
    /// processes (MPI_Allreduce with MPI_MAX, MPI_IN_PLACE). NaN values give an undefined result: pass none.
    /// </summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is another type.</exception>
    public void AllReduceMax<T>(Span<T> values) where T : unmanaged => AllReduce(values, _library.Max);

    /// <summary>Copies <paramref name="values"/> from rank <paramref name="root"/> to every other process (MPI_Bcast, as bytes).</summary>
    public void Broadcast<T>(Span<T> values, int root = 0) where T : unmanaged
    {
        CheckUsable();
        ArgumentOutOfRangeException.ThrowIfNegative(root);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(root, Size);
        Span<byte> bytes = MemoryMarshal.AsBytes(values);
        for (int start = 0; start < bytes.Length; start += ChunkLength)
        {
            Span<byte> chunk = bytes.Slice(start, Math.Min(ChunkLength, bytes.Length - start));
            fixed (byte* p = chunk)
                Check(_library.Bcast(p, chunk.Length, _library.Byte, root, _library.CommWorld), "MPI_Bcast");
        }
    }

    /// <summary>Waits until every process has called it (MPI_Barrier).</summary>
    public void Barrier()
    {
        CheckUsable();
        Check(_library.Barrier(_library.CommWorld), "MPI_Barrier");
    }

    /// <summary>
    /// Ends every process of the job with <paramref name="errorCode"/> (MPI_Abort): what a process calls when it fails,
    /// so the others, possibly waiting in a sum, stop instead of waiting forever. Does not return.
    /// </summary>
    [DoesNotReturn]
    public void Abort(int errorCode)
    {
        Console.Out.Flush();
        Console.Error.Flush();
        _library.Abort(_library.CommWorld, errorCode);
        Environment.Exit(errorCode); // MPI_Abort should not return; make sure this process ends if it does.
    }

    /// <summary>Finalises MPI (MPI_Finalize); every process must call it before it exits normally.</summary>
    public void Dispose()
    {
        if (_finalized)
            return;
        CheckThread();
        _finalized = true;
        Check(_library.Finalize(), "MPI_Finalize");
    }

    private void AllReduce<T>(Span<T> values, nint operation) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
            AllReduce(MemoryMarshal.AsBytes(values), values.Length, sizeof(float), _library.Float, operation);
        else if (typeof(T) == typeof(double))
            AllReduce(MemoryMarshal.AsBytes(values), values.Length, sizeof(double), _library.Double, operation);
        else
            throw new NotSupportedException($"Reductions over processes are defined for float and double, not {typeof(T).Name}.");
    }

    private void AllReduce(Span<byte> bytes, int length, int elementSize, nint datatype, nint operation)
    {
        CheckUsable();
        for (int start = 0; start < length; start += ChunkLength)
        {
            int count = Math.Min(ChunkLength, length - start);
            fixed (byte* p = bytes.Slice(start * elementSize, count * elementSize))
                Check(_library.Allreduce(MpiLibrary.InPlace, p, count, datatype, operation, _library.CommWorld), "MPI_Allreduce");
        }
    }

    private void CheckUsable()
    {
        ObjectDisposedException.ThrowIf(_finalized, this);
        CheckThread();
    }

    private void CheckThread([CallerMemberName] string caller = "")
    {
        if (Environment.CurrentManagedThreadId != _thread)
            throw new InvalidOperationException(
                $"MpiWorld.{caller} was called from thread {Environment.CurrentManagedThreadId}, but MPI was initialised on thread {_thread} " +
                "(MPI_THREAD_SINGLE): make every MPI call from that thread.");
    }

    private static void Check(int code, string function)
    {
        // Open MPI's default error handler (MPI_ERRORS_ARE_FATAL) aborts first; this guards a handler that returns.
        if (code != MpiSuccess)
            throw new InvalidOperationException($"{function} failed with MPI error code {code}.");
    }

    private static void RaiseMallocThresholds()
    {
        const int MmapThreshold = -3, TrimThreshold = -1;
        try
        {
            _ = Mallopt(TrimThreshold, int.MaxValue);
            if (Mallopt(MmapThreshold, int.MaxValue) == 0)
                _ = Mallopt(MmapThreshold, 32 << 20); // glibc caps the threshold at 32 MiB on 64-bit machines
        }
        catch (DllNotFoundException)
        {
            // Not glibc (e.g. musl): the thresholds only affect speed.
        }
        catch (EntryPointNotFoundException)
        {
        }
    }

    [LibraryImport("libc.so.6", EntryPoint = "mallopt")]
    private static partial int Mallopt(int parameter, int value);
}
