namespace MoreauGen.Kernels;

/// <summary>
/// How far part 0 of a <see cref="PairJob"/> has gone down a chain of layers, for part 1 to wait on: part 0 publishes each
/// index as it finishes it (counting down) and stops once, done or failed; part 1 waits for an index or learns that part 0
/// stopped before it. Part 0 never waits on part 1, and the calling thread claims part 0 before anything else (a worker
/// that joins claims part 1 first, <see cref="PairJob"/>), so part 0 always runs and a wait ends.
/// </summary>
/// <remarks>A mutable struct: keep it in a field of the job and call it there, never on a copy.</remarks>
internal struct ChainProgress
{
    private int _published;
    private int _stopped;

    /// <summary>Before a run: nothing below <paramref name="start"/> is published, and part 0 has not stopped.</summary>
    public void Reset(int start)
    {
        _published = start;
        _stopped = 0;
    }

    /// <summary>Part 0: everything part 1 needs of index <paramref name="index"/> is written (a release: the data before it is seen first).</summary>
    public void Publish(int index) => Volatile.Write(ref _published, index);

    /// <summary>Part 0 publishes no more (call it when part 0 ends, however it ends).</summary>
    public void Stop() => Volatile.Write(ref _stopped, 1);

    /// <summary>Part 1: waits until <paramref name="index"/> is published (true) or part 0 stopped before it (false).</summary>
    public bool WaitFor(int index)
    {
        var spin = new SpinWait();
        while (Volatile.Read(ref _published) > index)
        {
            if (Volatile.Read(ref _stopped) != 0)
                return Volatile.Read(ref _published) <= index;
            spin.SpinOnce(sleep1Threshold: -1);
        }
        return true;
    }
}
