namespace MoreauGen.Distributed;

/// <summary>
/// The frame of a program run under mpirun: initialises MPI, runs the body, and when the body throws on any process,
/// prints which rank failed and why, then ends every process of the job (MPI_Abort) so none waits forever in a sum.
/// </summary>
public static class DistributedRun
{
    /// <summary>
    /// Runs <paramref name="body"/> on this process with the initialised <see cref="MpiWorld"/>, finalises MPI and returns
    /// the body's exit code. Does not return when the body throws: the job is aborted with exit code 1.
    /// </summary>
    /// <exception cref="MpiUnavailableException">Open MPI is not installed (thrown before anything runs).</exception>
    public static int Execute(Func<MpiWorld, int> body, string? library = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        MpiWorld world = MpiWorld.Initialize(library);
        int code;
        try
        {
            code = body(world);
        }
#pragma warning disable CA1031 // Any failure must stop the other processes, whatever its type.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Console.Error.WriteLine($"error: rank {world.Rank} of {world.Size} failed: {e.GetType().Name}: {e.Message}");
            Console.Error.WriteLine($"error: stopping all {world.Size} processes (MPI_Abort); checkpoints are written whole or not at all, so the last one is intact.");
            world.Abort(1);
            throw; // not reached: Abort ends the process
        }

        world.Dispose();
        return code;
    }
}
