using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace MoreauGen.Kernels;

/// <summary>
/// Per-thread counters of the packed GEMM's split schedules, recorded only in a diagnostic build of the runtime
/// (<c>dotnet build -p:GemmTrace=true</c>, which defines <c>GEMM_TRACE</c>); in every other build nothing records them and
/// <see cref="Enabled"/> is false. Read by the <c>gemm-calls</c> benchmark: when each thread entered and left the product, how
/// long it spun waiting (for B̃'s buffer, for B̃'s panels, for a block's previous step), and how many blocks and panels it did.
/// </summary>
internal static class GemmTrace
{
#if GEMM_TRACE
    /// <summary>Whether this build records the counters.</summary>
    public const bool Enabled = true;
#else
    /// <summary>Whether this build records the counters.</summary>
    public const bool Enabled = false;
#endif

    /// <summary>What one thread's slot holds (Stopwatch ticks for the times).</summary>
    public enum Field
    {
        /// <summary>Timestamp at which the thread entered the product.</summary>
        Enter,
        /// <summary>Timestamp at which it left.</summary>
        Leave,
        /// <summary>Ticks spent waiting until B̃'s buffer (or Ã's, column split) was free.</summary>
        WaitBuffer,
        /// <summary>Ticks spent waiting until every panel of the shared operand was packed.</summary>
        WaitPacked,
        /// <summary>Ticks spent waiting until a claimed block had done its previous step.</summary>
        WaitBlock,
        /// <summary>Blocks (row or column) computed.</summary>
        Blocks,
        /// <summary>Panels of the shared operand packed.</summary>
        Panels,
        /// <summary>Row panels (MR rows) computed.</summary>
        RowPanels,
    }

    /// <summary>Longs per thread: one 64-byte line.</summary>
    public const int Stride = 8;

    /// <summary>The slots of up to 16 threads, [thread · <see cref="Stride"/> + field].</summary>
    public static readonly long[] Slots = new long[16 * Stride];

    [ThreadStatic] private static int t_thread;

    /// <summary>Clears every slot (before a call).</summary>
    public static void Reset() => Array.Clear(Slots);

    /// <summary>Marks the calling thread as thread <paramref name="thread"/> of the product and records its entry.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Enter(int thread)
    {
        t_thread = thread;
        Slots[thread * Stride + (int)Field.Enter] = Stopwatch.GetTimestamp();
    }

    /// <summary>Records the calling thread's exit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Leave() => Slots[t_thread * Stride + (int)Field.Leave] = Stopwatch.GetTimestamp();

    /// <summary>Adds <paramref name="value"/> to the calling thread's <paramref name="field"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add(Field field, long value) => Slots[t_thread * Stride + (int)field] += value;

    /// <summary>Thread <paramref name="thread"/>'s <paramref name="field"/>.</summary>
    public static long Get(int thread, Field field) => Slots[thread * Stride + (int)field];
}
