using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace MoreauGen.GeneratorBenchmarks;

/// <summary>
/// The runtime's garbage-collection events seen in process (the <c>--hot … --gc</c> option): each collection's
/// generation and reason, and the types of the large- and small-object allocations (sampled by the runtime's allocation tick,
/// about one event per 100 KB allocated). A collection of generation 2 walks the whole heap, so collections that the
/// large-object heap triggers cost more the larger the body: that is where an allocation profile linear in the size can
/// still give a super-linear time.
/// </summary>
internal sealed class GcEvents : EventListener
{
    private const int GcStart = 1;
    private const int AllocationTick = 10;
    private static readonly string[] Reasons = { "small-object allocation", "induced", "low memory", "empty", "large-object allocation", "out of space (small)", "out of space (large)", "induced, not forced" };

    private readonly ConcurrentDictionary<string, int> collections = new();
    private readonly ConcurrentDictionary<string, long> large = new();
    private readonly ConcurrentDictionary<string, long> small = new();

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventId == GcStart && e.Payload is { Count: > 2 } start)
        {
            uint depth = Convert.ToUInt32(start[1]);
            uint reason = Convert.ToUInt32(start[2]);
            string key = $"gen {depth}, {(reason < Reasons.Length ? Reasons[reason] : "reason " + reason)}";
            collections.AddOrUpdate(key, 1, (_, n) => n + 1);
        }
        else if (e.EventId == AllocationTick && e.Payload is { Count: > 5 } tick)
        {
            string type = tick[5] as string ?? "?";
            long bytes = Convert.ToInt64(tick[3]);
            (Convert.ToUInt32(tick[1]) == 1 ? large : small).AddOrUpdate(type, bytes, (_, n) => n + bytes);
        }
    }

    /// <summary>Prints what was seen, per repetition.</summary>
    public void Print(int reps)
    {
        Thread.Sleep(2000); // the events arrive on the runtime's dispatch thread
        Console.WriteLine("collections per repetition:");
        foreach ((string key, int n) in collections.OrderBy(p => p.Key))
        {
            Console.WriteLine($"  {key}: {n / (double)reps:F1}");
        }

        Console.WriteLine("large-object-heap allocations per repetition (sampled, MiB by type):");
        foreach ((string type, long bytes) in large.OrderByDescending(p => p.Value).Take(15))
        {
            Console.WriteLine($"  {bytes / (1024.0 * 1024.0) / reps:F1}  {type}");
        }

        Console.WriteLine("small-object allocations per repetition (sampled, MiB by type):");
        foreach ((string type, long bytes) in small.OrderByDescending(p => p.Value).Take(25))
        {
            Console.WriteLine($"  {bytes / (1024.0 * 1024.0) / reps:F1}  {type}");
        }
    }
}
