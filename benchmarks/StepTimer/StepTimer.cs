using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MoreauGen.Data;
using MoreauGen.Samples.Mlp;

namespace MoreauGen.Benchmarks.Timing;

/// <summary>
/// Times the MLP sample's own training step (forward, loss, backward, update) on one batch, for SGD and MorSGD, and
/// reports the bytes allocated per step; or answers timing requests read from standard input, one JSON line each, so
/// that a driver script can interleave them with another framework's timings in the same run
/// (benchmarks/pytorch/side_by_side.py, convnet_side_by_side.py). The command line is <see cref="StepTimerCommand"/>.
/// </summary>
/// <remarks>
/// Requests (one per line): <c>step SHAPE METHOD STEPS [ETA|ALPHA [GAMMA]]</c> times STEPS steps of METHOD (sgd or
/// morsgd) of the network SHAPE (e.g. 784-500-300-100-10) after a warm-up, at the given steps (default: the sample's);
/// <c>epoch SHAPE</c> times one SGD epoch over the Fashion-MNIST training set; <c>quit</c> ends. Networks are built
/// once per shape and steps, and keep training between requests; the first request of each warms up for at least
/// <see cref="FirstWarmup"/>. Allocations are counted on the calling thread (a
/// restart after a divergence allocates its exception).
/// </remarks>
public sealed class StepTimer
{
    private readonly int _batch;
    private readonly int _warmup;
    private readonly LossKind _loss;
    private readonly string _dataFolder;
    private readonly Dictionary<(string Shape, TrainingMethod Method, double Step, double Gamma), Trainee> _trainees = [];
    private TrainTestSplit<float>? _data;

    private readonly MlpCommand.NetworkSample? _sample;

    /// <summary>A timer of steps on batches of <paramref name="batch"/> samples, each request preceded by <paramref name="warmup"/> untimed steps.</summary>
    /// <param name="batch">Samples per step.</param>
    /// <param name="warmup">Untimed steps before each timing.</param>
    /// <param name="loss">The loss.</param>
    /// <param name="dataFolder">The Fashion-MNIST folder.</param>
    /// <param name="sample">Another network (samples/ConvNet): requests naming its <see cref="Network.Shape"/> time it, on the data as it
    /// prepares them; null for MLPs only.</param>
    public StepTimer(int batch, int warmup, LossKind loss, string dataFolder, MlpCommand.NetworkSample? sample = null)
    {
        _sample = sample;
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(warmup);
        ArgumentNullException.ThrowIfNull(dataFolder);
        _batch = batch;
        _warmup = warmup;
        _loss = loss;
        _dataFolder = dataFolder;
    }

    /// <summary>The SGD step used for timing (the sample's default).</summary>
    public const double SgdStep = MlpSettings.DefaultSgdStep;

    /// <summary>The shortest warm-up before a network's first timing (at most 500 steps).</summary>
    public static readonly TimeSpan FirstWarmup = TimeSpan.FromSeconds(2);

    /// <summary>Exit code of the <c>mlp</c> command when the repeated steps on one batch diverge at every step, even from the initial parameters.</summary>
    public const int DivergedError = 5;

    /// <summary>Per-step wall times and allocations of one timing request.</summary>
    /// <param name="Shape">The network, e.g. 784-500-300-100-10.</param>
    /// <param name="Method">sgd or morsgd.</param>
    /// <param name="Batch">Samples per step.</param>
    /// <param name="Input">Where the batch came from: "fashion-mnist" (the first training samples) or "random" (rows of norm about 1).</param>
    /// <param name="Milliseconds">Wall time of each timed step.</param>
    /// <param name="AllocatedBytesPerStep">Bytes allocated by the calling thread per timed step.</param>
    /// <param name="EvaluationsPerStep">MorSGD: inner-solver function evaluations per step (NaN for SGD).</param>
    /// <param name="Step">SGD's η or MorSGD's α.</param>
    /// <param name="Gamma">MorSGD's γ (unused by SGD).</param>
    /// <param name="Restarts">Steps that diverged and restarted the network from its initial parameters (not timed).</param>
    public sealed record StepTiming(string Shape, string Method, int Batch, string Input, double[] Milliseconds,
                                    double AllocatedBytesPerStep, double EvaluationsPerStep, double Step, double Gamma, int Restarts)
    {
        /// <summary>The median of <see cref="Milliseconds"/>.</summary>
        public double Median => MedianOf(Milliseconds);
    }

    /// <summary>
    /// Times <paramref name="steps"/> steps of <paramref name="method"/> on the network <paramref name="shape"/>, with
    /// SGD's η or MorSGD's α = <paramref name="step"/> and MorSGD's γ = <paramref name="gamma"/> (default: the sample's).
    /// A step that meets a NaN or an infinity (the repeated steps on one batch diverged) restarts the network from its
    /// initial parameters and is not timed; <see cref="StepTiming.Restarts"/> counts them.
    /// </summary>
    public StepTiming TimeSteps(string shape, TrainingMethod method, int steps, double? step = null, double? gamma = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        Trainee trainee = TraineeFor(shape, method, step ?? (method == TrainingMethod.Sgd ? MlpSettings.DefaultSgdStep : MlpSettings.DefaultAlpha),
                                     gamma ?? MlpSettings.DefaultGamma);
        // Warm-up: the requested steps, and on a network's first request at least FirstWarmup of steps, so that the
        // JIT has promoted the hot methods to optimised code before anything is timed.
        int restarts = 0;
        long warmupStart = Stopwatch.GetTimestamp();
        for (int i = 0; i < _warmup || (trainee.Fresh && i < 500 && Stopwatch.GetElapsedTime(warmupStart) < FirstWarmup); i++)
        {
            if (!trainee.Step())
                restarts++;
        }

        trainee.Fresh = false;

        var times = new double[steps];
        double evaluations = 0;
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < steps; i++)
        {
            long start = Stopwatch.GetTimestamp();
            bool done = trainee.Step();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (done)
                evaluations += trainee.LastEvaluations;
            else
            {
                restarts++;
                i--; // not timed: restarted from the initial parameters
                if (restarts > steps + _warmup)
                    throw new ArithmeticException($"{Names.Display(method)} on {shape} diverges on its batch at every step (step {step}): time it with a smaller step.");
            }
        }

        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        return new StepTiming(trainee.Network.Shape, Names.Of(method), _batch, trainee.Input, times, (double)allocated / steps,
                              method == TrainingMethod.MorSgd ? evaluations / steps : double.NaN, trainee.StepSize, trainee.Gamma, restarts);
    }

    /// <summary>Wall time in seconds of one SGD epoch over the Fashion-MNIST training set (batch as given, seeded order), after a warm-up epoch.</summary>
    public double TimeEpoch(string shape)
    {
        TrainTestSplit<float> data = Data ?? throw new DataFileException(_dataFolder, DataFileProblem.Missing,
            $"Fashion-MNIST is not in '{_dataFolder}': install it with `{FashionMnist.InstallCommand}` or give --data DIR.");
        Network network = Build(shape);
        float[] w = network.InitialParameters(0);
        var optimizer = new GradientDescent<float>(network.Chain, (float)SgdStep, (float)MlpSettings.PaperL2);
        var batches = new MiniBatches<float>(data.Train, _batch, seed: 0);
        var source = new EpochSource(batches, ClassificationObjective.Create(_loss, network.Chain.OutputCount, _batch));
        optimizer.Epoch(w, source); // warm-up epoch: workspaces, pooled buffers, JIT
        batches.StartEpoch(1);
        long start = Stopwatch.GetTimestamp();
        optimizer.Epoch(w, source);
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    /// <summary>Answers requests from <paramref name="input"/> until <c>quit</c> or the end, one JSON line each on <paramref name="output"/>.</summary>
    public void Serve(TextReader input, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        while (input.ReadLine() is string line)
        {
            string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0)
                continue;
            if (parts[0] == "quit")
                break;
            string reply;
            try
            {
                reply = parts switch
                {
                    ["step", string shape, string method, string count, .. string[] stepSizes]
                        when TryMethod(method, out TrainingMethod m) && TryCount(count, out int steps) && stepSizes.Length <= 2
                        => JsonSerializer.Serialize(ToJson(TimeSteps(shape, m, steps, StepSize(stepSizes, 0), StepSize(stepSizes, 1)))),
                    ["epoch", string shape] => JsonSerializer.Serialize(new Dictionary<string, object>
                    {
                        ["kind"] = "epoch", ["shape"] = Build(shape).Shape, ["batch"] = _batch, ["seconds"] = TimeEpoch(shape),
                    }),
                    _ => Error($"cannot read '{line}': write 'step SHAPE sgd|morsgd STEPS [ETA|ALPHA [GAMMA]]', 'epoch SHAPE' or 'quit'"),
                };
            }
            catch (Exception e) when (e is ArgumentException or IOException or ArithmeticException)
            {
                reply = Error(e.Message);
            }

            output.WriteLine(reply);
            output.Flush();
        }
    }

    private static bool TryCount(string text, out int count) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out count) && count > 0;

    private static double? StepSize(string[] texts, int index)
    {
        if (index >= texts.Length)
            return null;
        return MlpCommand.TryParseStep(texts[index], out double step)
            ? step
            : throw new ArgumentException($"'{texts[index]}' is not a step; write e.g. 0.25, 1/4 or 2^-2.");
    }

    private static string Error(string message) =>
        JsonSerializer.Serialize(new Dictionary<string, object> { ["kind"] = "error", ["message"] = message });

    private static Dictionary<string, object> ToJson(StepTiming timing) => new()
    {
        ["kind"] = "step",
        ["shape"] = timing.Shape,
        ["method"] = timing.Method,
        ["batch"] = timing.Batch,
        ["input"] = timing.Input,
        ["milliseconds"] = timing.Milliseconds,
        ["median_ms"] = timing.Median,
        ["allocated_bytes_per_step"] = timing.AllocatedBytesPerStep,
        ["evaluations_per_step"] = double.IsNaN(timing.EvaluationsPerStep) ? -1 : timing.EvaluationsPerStep,
        ["step"] = timing.Step,
        ["gamma"] = timing.Gamma,
        ["restarts"] = timing.Restarts,
    };

    private static bool TryMethod(string name, out TrainingMethod method)
    {
        method = name == "morsgd" ? TrainingMethod.MorSgd : TrainingMethod.Sgd;
        return name is "sgd" or "morsgd";
    }

    private TrainTestSplit<float>? Data
    {
        get
        {
            if (_data is null && FashionMnist.IsInstalled(_dataFolder))
            {
                _data = FashionMnist.Load<float>(_dataFolder);
                if (_sample is not null)
                    _data = _sample.PrepareData(_data);
            }
            return _data;
        }
    }

    private Network Build(string shape)
    {
        if (_sample?.CreateNetwork() is Network other && other.Shape == shape)
            return other;
        int[] sizes = [.. shape.Split('-').Select(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n is > 0 and <= 65536 ? n : -1)];
        if (sizes.Length < 2 || sizes.Any(s => s < 1))
            throw new ArgumentException($"'{shape}' is not a network shape; write the widths from input to output, e.g. 784-500-300-100-10.", nameof(shape));
        return new Network(sizes[0], sizes[1..^1], sizes[^1]);
    }

    private Trainee TraineeFor(string shape, TrainingMethod method, double step, double gamma)
    {
        Network network = Build(shape);
        if (method == TrainingMethod.Sgd)
            gamma = 0;
        if (_trainees.TryGetValue((network.Shape, method, step, gamma), out Trainee? trainee))
            return trainee;

        // Inputs: the first training samples of the data set when the network reads its images and the data are there,
        // otherwise random values; labels to match.
        int inputs = network.Chain.InputCount, classes = network.Chain.OutputCount;
        float[] x = new float[_batch * inputs];
        int[] labels = new int[_batch];
        string source = "random";
        TrainTestSplit<float>? data = Data;
        if (data is not null && data.Train.FeatureCount == inputs && classes == FashionMnist.ClassCount && data.Train.Count >= _batch)
        {
            data.Train.Features.AsSpan(0, x.Length).CopyTo(x);
            data.Train.Labels.AsSpan(0, _batch).CopyTo(labels);
            source = "fashion-mnist";
        }
        else
        {
            // Rows of norm about 1, so that repeated steps on the one batch stay stable at the default steps.
            var random = new Random(1);
            float scale = 2f / MathF.Sqrt(inputs);
            for (int i = 0; i < x.Length; i++)
                x[i] = (float)(random.NextDouble() + random.NextDouble() + random.NextDouble() - 1.5) * scale;
            for (int i = 0; i < labels.Length; i++)
                labels[i] = random.Next(classes);
        }

        var objective = ClassificationObjective.Create(_loss, classes, _batch);
        objective.SetLabels(labels);
        ChainOptimizer<float> optimizer = method == TrainingMethod.Sgd
            ? new GradientDescent<float>(network.Chain, (float)step, (float)MlpSettings.PaperL2)
            : new MoreauGradientDescent<float>(network.Chain, MoreauSchedule<float>.Constant((float)step, (float)gamma),
                                               new TwoStepSolver<float>(), (float)MlpSettings.PaperL2);
        trainee = new Trainee(network, network.InitialParameters(0), x, objective, optimizer, source, step, gamma);
        _trainees[(network.Shape, method, step, gamma)] = trainee;
        return trainee;
    }

    private static double MedianOf(double[] values)
    {
        if (values.Length == 0)
            return double.NaN;
        double[] sorted = [.. values.Order()];
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : 0.5 * (sorted[mid - 1] + sorted[mid]);
    }

    /// <summary>A network being trained on one fixed batch.</summary>
    private sealed class Trainee(Network network, float[] w, float[] x, ClassificationObjective objective, ChainOptimizer<float> optimizer,
                                 string input, double step, double gamma)
    {
        private readonly float[] _initial = (float[])w.Clone();

        public Network Network => network;

        public string Input => input;

        public double StepSize => step;

        public double Gamma => gamma;

        /// <summary>Whether no timing has been made on this network yet.</summary>
        public bool Fresh { get; set; } = true;

        public int LastEvaluations => optimizer is MoreauGradientDescent<float> moreau ? moreau.Oracle.LastStatistics.Evaluations : 0;

        /// <summary>One step; false if it met a NaN or an infinity, after which the parameters are the initial ones again.</summary>
        public bool Step()
        {
            try
            {
                optimizer.Step(w, x, objective);
                return true;
            }
            catch (NonFiniteValueException)
            {
                _initial.CopyTo(w);
                return false;
            }
        }
    }

    /// <summary>The batches of one epoch with their labels set on the objective.</summary>
    private sealed class EpochSource(MiniBatches<float> batches, ClassificationObjective objective) : IMiniBatchSource<float>
    {
        public int BatchCount => batches.BatchCount;

        public ReadOnlySpan<float> Batch(int index, out IMoreauObjective<float> batchObjective)
        {
            MiniBatch<float> batch = batches.GetBatch(index);
            objective.SetLabels(batch.Labels);
            batchObjective = objective;
            return batch.Features;
        }
    }
}
