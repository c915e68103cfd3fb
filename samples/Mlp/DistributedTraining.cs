using System.Diagnostics;
using System.Globalization;
using MoreauGen.Data;
using MoreauGen.Distributed;

namespace MoreauGen.Samples.Mlp;

/// <summary>
/// <c>Mlp --distributed</c> under mpirun: data-parallel SGD or MorSGD on Fashion-MNIST. Every process loads the data
/// and draws the same seeded batch order; each global batch is split into contiguous blocks of rows, one per process;
/// rank 0's initial parameters are broadcast; after each epoch rank 0 evaluates the test set, prints a line and writes the
/// checkpoint (atomically). A process that fails stops the job (MPI_Abort) with a message naming its rank.
/// </summary>
public static class DistributedTraining
{
    /// <summary>Exit code: Open MPI is not installed.</summary>
    public const int MpiMissing = 5;

    /// <summary>Parses <paramref name="args"/> and trains (or prints the usage for --help); returns the exit code (0, 1 bad option, 3 data missing, <see cref="MpiMissing"/>).</summary>
    /// <param name="args">The command-line arguments.</param>
    /// <param name="sample">Another sample's network, loss and default steps (the ConvNet's), or null for the MLP.</param>
    public static int Run(IReadOnlyList<string> args, DistributedSample? sample = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.WriteLine($"Usage: {sample?.Usage ?? DistributedSettings.Usage}");
            return 0;
        }

        DistributedSettings settings;
        try
        {
            settings = DistributedSettings.Parse(args, sample);
        }
        catch (FormatException e)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }

        try
        {
            return DistributedRun.Execute(world => Train(world, settings, sample));
        }
        catch (MpiUnavailableException e)
        {
            Console.Error.WriteLine(e.Message);
            return MpiMissing;
        }
    }

    private static int Train(MpiWorld world, DistributedSettings settings, DistributedSample? sample)
    {
        var inv = CultureInfo.InvariantCulture;
        void Say(FormattableString text)
        {
            if (world.IsRoot)
                Console.WriteLine(text.ToString(inv));
        }

        TrainTestSplit<float> data;
        try
        {
            data = FashionMnist.Load<float>(settings.DataFolder, settings.TrainLimit);
        }
        catch (DataFileException e)
        {
            // Every process reads its own copy: a machine without the data fails the whole job with this message.
            throw new InvalidOperationException($"the data set cannot be read on this machine: {e.Message}", e);
        }

        if (settings.BatchSize < world.Size)
            throw new ArgumentException($"--batch {settings.BatchSize} is smaller than the {world.Size} processes: each needs at least one sample per batch.");
        Network network;
        if (sample is null)
        {
            network = new Network(data.Train.FeatureCount, settings.Hidden, FashionMnist.ClassCount);
        }
        else
        {
            data = sample.Network.PrepareData(data);
            network = sample.Network.CreateNetwork();
        }

        LossKind loss = sample?.Loss ?? LossKind.Squared;
        float[] w = network.InitialParameters(settings.Seed);
        var schedule = MoreauSchedule<float>.Constant((float)settings.Alpha, (float)settings.Gamma);
        DataParallelTrainer<float> trainer = settings.Method == DataParallelMethod.Sgd
            ? DataParallelTrainer<float>.Sgd(world, network.Chain, (float)settings.SgdStep, (float)settings.L2)
            : DataParallelTrainer<float>.MorSgd(world, network.Chain, schedule, l2: (float)settings.L2, exact: settings.Method == DataParallelMethod.MorSgdExact);
        trainer.BroadcastParameters(w);

        var batches = new MiniBatches<float>(data.Train, settings.BatchSize, (ulong)(uint)settings.Seed);
        int capacity = DataParallelTrainer<float>.LocalRows(settings.BatchSize, world.Size - 1, world.Size).GetOffsetAndLength(settings.BatchSize).Length;
        var objective = ClassificationObjective.Create(loss, FashionMnist.ClassCount, capacity + 1);
        Evaluator? evaluator = world.IsRoot ? new Evaluator(network, ClassificationObjective.Create(loss, FashionMnist.ClassCount, 1000)) : null;
        int steps = Math.Min(batches.BatchCount, settings.MaxSteps ?? int.MaxValue);
        Say($"{network.Shape}, {settings.Method}, {world.Size} processes × {Environment.ProcessorCount} threads, global batch {settings.BatchSize} (~{settings.BatchSize / world.Size} rows per process), {steps} steps per epoch.");

        for (int epoch = 1; epoch <= settings.Epochs; epoch++)
        {
            batches.StartEpoch(epoch - 1);
            trainer.Partition.ResetCounters();
            double objectiveSum = 0;
            var clock = Stopwatch.StartNew();
            for (int b = 0; b < steps; b++)
            {
                MiniBatch<float> batch = batches.GetBatch(b);
                var (first, count) = DataParallelTrainer<float>.LocalRows(batch.Count, world.Rank, world.Size).GetOffsetAndLength(batch.Count);
                objective.SetLabels(batch.Labels.Slice(first, count));
                int features = network.Chain.InputCount;
                objectiveSum += trainer.Step(w, batch.Features.Slice(first * features, count * features), objective, batch.Count);
            }

            double seconds = clock.Elapsed.TotalSeconds;
            string accuracy = "";
            if (evaluator is not null)
            {
                Evaluation test = evaluator.Evaluate(w, data.Test);
                accuracy = string.Create(inv, $", test accuracy {test.Accuracy:P2}");
                if (settings.CheckpointPath is string path)
                {
                    var metadata = new Dictionary<string, string> { ["epoch"] = epoch.ToString(inv), ["method"] = settings.Method.ToString() };
                    trainer.SaveCheckpoint(path, w, network.Shape, metadata);
                }
            }

            MpiBatchPartition<float> sums = trainer.Partition;
            Say($"epoch {epoch}: mean batch objective {objectiveSum / steps:0.#####}{accuracy}; {1000 * seconds / steps:0.0} ms per step, of which {1000 * sums.SumSeconds / steps:0.00} ms in {(double)sums.SumCount / steps:0.#} allreduces per step ({(double)sums.ScalarReductionCount / steps:0.#} of them an inner solver's scalars; {(double)sums.SummedValues * sizeof(float) / steps / 1e6:0.###} MB per step; {sums.SumSeconds / seconds:P1} of the time, rank 0)");
        }

        return 0;
    }
}
