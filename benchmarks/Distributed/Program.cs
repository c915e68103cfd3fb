using System.Diagnostics;
using System.Globalization;
using MoreauGen.Distributed;

// Usage: mpirun … -np P dotnet MpiAllreduce.dll LENGTH [LENGTH…]
// For each length (float values): 3 warm-up sums, then 20 timed in-place allreduces, each after a barrier so that a
// process's wait for the others is not counted; rank 0 prints the median and the minimum in milliseconds.
return DistributedRun.Execute(world =>
{
    const int WarmUp = 3, Repeats = 20;
    foreach (string argument in args)
    {
        int length = int.Parse(argument, CultureInfo.InvariantCulture);
        var values = new float[length];
        values.AsSpan().Fill(1);
        var times = new double[Repeats];
        for (int r = -WarmUp; r < Repeats; r++)
        {
            world.Barrier();
            long start = Stopwatch.GetTimestamp();
            world.AllReduceSum(values.AsSpan());
            if (r >= 0)
                times[r] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        if (values[0] != MathF.Pow(world.Size, WarmUp + Repeats))
            throw new InvalidOperationException($"The sum is wrong: {values[0]}.");
        Array.Sort(times);
        if (world.IsRoot)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"allreduce {length} floats ({length * 4 / 1e6:0.###} MB) over {world.Size} processes: median {times[Repeats / 2]:0.###} ms, min {times[0]:0.###} ms"));
    }

    return 0;
});
