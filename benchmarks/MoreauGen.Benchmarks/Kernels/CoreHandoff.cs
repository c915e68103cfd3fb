using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;

namespace MoreauGen.Benchmarks.Kernels;

/// <summary>
/// What handing data from one core to the other costs on this machine, the cost that the SGD step on the batch's two halves
/// pays every step (each core reads the other half's gradient in the update sweeps, and the parameters the other core
/// updated in the next forward pass): the one-way latency of a cache line bounced between two spinning threads, and the
/// rate at which one thread reads a buffer the other has just written, beside the rate at which it reads a buffer it wrote
/// itself. Two cores that share a last-level cache hand a line over in tens of ns; cores on different dies of the host, as
/// the two vCPUs of a VM may be, take hundreds.
/// <code>
/// dotnet benchmarks/MoreauGen.Benchmarks/bin/Release/net10.0/MoreauGen.Benchmarks.dll core-handoff [--rounds 5] [--megabytes 2]
/// </code>
/// </summary>
internal static class CoreHandoff
{
    private const int Bounces = 200_000;

    public static int Run(string[] args)
    {
        int rounds = GemmRounds.Option(args, "--rounds", 5);
        int megabytes = GemmRounds.Option(args, "--megabytes", 2);
        if (rounds < 1 || megabytes < 1)
        {
            Console.Error.WriteLine("core-handoff: --rounds and --megabytes take a positive count.");
            return 1;
        }
        if (Environment.ProcessorCount < 2)
        {
            Console.Error.WriteLine("core-handoff needs two processors.");
            return 1;
        }

        int length = megabytes * (1 << 20) / sizeof(float);
        float[] buffer = GC.AllocateArray<float>(length, pinned: true);
        var latencies = new List<double>();
        var remote = new List<double>();
        var local = new List<double>();
        Console.WriteLine($"load average at start: {Rounds.LoadAverage()}");
        BounceNanoseconds(Bounces / 10); // untimed: thread start-up and the first compilation of the loops
        ReadRates(buffer);
        for (int round = 1; round <= rounds; round++)
        {
            double latency = BounceNanoseconds(Bounces);
            (double fromOther, double fromSelf) = ReadRates(buffer);
            latencies.Add(latency);
            remote.Add(fromOther);
            local.Add(fromSelf);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"round {round}: one-way cache-line latency {latency:F0} ns; reading {megabytes} MB the other thread just wrote {fromOther:F1} GB/s, "
                + $"that it wrote itself {fromSelf:F1} GB/s; load {Rounds.LoadAverage()}"));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"median: one-way latency {Rounds.Median(latencies):F0} ns ({latencies.Min():F0}–{latencies.Max():F0}); "
            + $"read after the other thread wrote {Rounds.Median(remote):F1} GB/s, after itself {Rounds.Median(local):F1} GB/s"));
        return 0;
    }

    /// <summary>
    /// Half the round trip of a counter bounced <paramref name="bounces"/> times between two spinning threads, in ns. The
    /// threads never yield: on a machine where a third thread wants a core (a build, say) the figure is the scheduler's.
    /// </summary>
    private static double BounceNanoseconds(long bounces)
    {
        long[] line = new long[3 * LineLongs]; // the counter alone on its cache line, a line of padding on each side
        const int At = LineLongs;
        var other = new Thread(() =>
        {
            for (long i = 0; i < bounces; i++)
            {
                while (Volatile.Read(ref line[At]) != 2 * i + 1)
                    Thread.SpinWait(1);
                Volatile.Write(ref line[At], 2 * i + 2);
            }
        }) { IsBackground = true };
        other.Start();
        long start = Stopwatch.GetTimestamp();
        for (long i = 0; i < bounces; i++)
        {
            Volatile.Write(ref line[At], 2 * i + 1);
            while (Volatile.Read(ref line[At]) != 2 * i + 2)
                Thread.SpinWait(1);
        }
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        other.Join();
        return seconds / bounces / 2 * 1e9;
    }

    /// <summary>longs in two cache lines (128 bytes, the adjacent-line prefetch's unit).</summary>
    private const int LineLongs = 16;

    /// <summary>
    /// GB/s of a read pass over <paramref name="buffer"/> right after the other thread wrote all of it, and right after this
    /// thread wrote it; the median of 21 hand-overs each.
    /// </summary>
    private static (double FromOther, double FromSelf) ReadRates(float[] buffer)
    {
        const int HandOvers = 21;
        var fromOther = new double[HandOvers];
        var fromSelf = new double[HandOvers];
        long[] turn = new long[3 * LineLongs];
        const int At = LineLongs;
        var writer = new Thread(() =>
        {
            for (int i = 0; i < HandOvers; i++)
            {
                while (Volatile.Read(ref turn[At]) != 2 * i + 1)
                    Thread.SpinWait(1);
                buffer.AsSpan().Fill(i);
                Volatile.Write(ref turn[At], 2 * i + 2);
            }
        }) { IsBackground = true };
        writer.Start();
        double bytes = buffer.Length * (double)sizeof(float);
        float sink = 0;
        for (int i = 0; i < HandOvers; i++)
        {
            Volatile.Write(ref turn[At], 2 * i + 1);
            while (Volatile.Read(ref turn[At]) != 2 * i + 2)
                Thread.SpinWait(1);
            long start = Stopwatch.GetTimestamp();
            sink += Sum(buffer);
            fromOther[i] = bytes / Stopwatch.GetElapsedTime(start).TotalSeconds / 1e9;

            buffer.AsSpan().Fill(i);
            start = Stopwatch.GetTimestamp();
            sink += Sum(buffer);
            fromSelf[i] = bytes / Stopwatch.GetElapsedTime(start).TotalSeconds / 1e9;
        }
        writer.Join();
        GC.KeepAlive(sink);
        return (Rounds.Median(fromOther), Rounds.Median(fromSelf));
    }

    private static float Sum(float[] values)
    {
        ReadOnlySpan<Vector<float>> vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
        Vector<float> a = Vector<float>.Zero, b = Vector<float>.Zero;
        int v = 0;
        for (; v + 1 < vectors.Length; v += 2)
        {
            a += vectors[v];
            b += vectors[v + 1];
        }
        for (; v < vectors.Length; v++)
            a += vectors[v];
        return Vector.Sum(a + b);
    }
}
