namespace MoreauGen.Samples.Pendulum;

/// <summary>Swinging up a pendulum with GD and MorGD (paper §4, App. E.1.1). Filled by the pendulum issue.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("The pendulum sample is not built yet (see the pendulum issue).");
        return 1;
    }
}
