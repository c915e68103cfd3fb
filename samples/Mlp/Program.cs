namespace MoreauGen.Samples.Mlp;

/// <summary>Training an MLP on Fashion-MNIST with SGD and MorSGD (paper §4, App. E.1.2). Filled by the MLP issue.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("The MLP sample is not built yet (see the MLP issue).");
        return 1;
    }
}
