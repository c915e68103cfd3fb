using System.Diagnostics;
using System.Globalization;
using MoreauGen.Data;
using MoreauGen.Samples.Common;

namespace MoreauGen.Samples.Mlp;

/// <summary>The state of the network after one epoch (epoch 0: the initial parameters).</summary>
/// <param name="Epoch">Epochs completed.</param>
/// <param name="TrainLoss">Mean loss over the whole training set (h of the training set, without the ℓ2 term).</param>
/// <param name="TrainAccuracy">Fraction of training samples classified correctly.</param>
/// <param name="TestLoss">Mean loss over the test set.</param>
/// <param name="TestAccuracy">Fraction of test samples classified correctly.</param>
/// <param name="TrainSeconds">Wall time of the epoch's training steps (0 for epoch 0).</param>
/// <param name="EvalSeconds">Wall time of evaluating both sets after the epoch.</param>
public sealed record EpochRecord(int Epoch, double TrainLoss, double TrainAccuracy, double TestLoss, double TestAccuracy,
                                 double TrainSeconds, double EvalSeconds)
{
    /// <summary>The record as one field of a checkpoint's history (invariant culture, round-trip).</summary>
    public string Encode()
    {
        var inv = CultureInfo.InvariantCulture;
        return string.Join(',', Epoch.ToString(inv), TrainLoss.ToString("R", inv), TrainAccuracy.ToString("R", inv),
                           TestLoss.ToString("R", inv), TestAccuracy.ToString("R", inv), TrainSeconds.ToString("R", inv),
                           EvalSeconds.ToString("R", inv));
    }

    /// <summary>Parses <see cref="Encode"/>'s text; null if it is not such a record.</summary>
    public static EpochRecord? Decode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Split(',');
        var inv = CultureInfo.InvariantCulture;
        var values = new double[6];
        if (parts.Length != 7 || !int.TryParse(parts[0], NumberStyles.None, inv, out int epoch))
            return null;
        for (int i = 0; i < 6; i++)
        {
            if (!double.TryParse(parts[i + 1], NumberStyles.Float, inv, out values[i]))
                return null;
        }

        return new EpochRecord(epoch, values[0], values[1], values[2], values[3], values[4], values[5]);
    }
}

/// <summary>The training of one method: its epochs, where it started, and how it ended.</summary>
public sealed class MethodRun
{
    internal MethodRun(TrainingMethod method, MlpSettings settings, string checkpoint)
    {
        VariantSettings variants = settings.Variants ?? VariantSettings.Default;
        Method = method;
        Step = method switch
        {
            TrainingMethod.Sgd => settings.SgdStep,
            TrainingMethod.TargetProp => variants.TargetStep,
            _ => settings.Alpha,
        };
        Gamma = method is TrainingMethod.MorSgd or TrainingMethod.AlMsgd or TrainingMethod.ProxProp ? settings.Gamma : null;
        Beta = method == TrainingMethod.AlMsgd ? variants.Beta : null;
        Kappa = method is TrainingMethod.AlMsgd or TrainingMethod.TargetProp or TrainingMethod.ProxProp ? variants.KappaOf(method) : null;
        TargetStep = method == TrainingMethod.ProxProp && variants.TargetStep != 1 ? variants.TargetStep : null;
        CheckpointPath = checkpoint;
    }

    /// <summary>The method.</summary>
    public TrainingMethod Method { get; }

    /// <summary>SGD's η, TP's η, or the α of MorSGD, AL-MSGD and ProxProp.</summary>
    public double Step { get; }

    /// <summary>γ of MorSGD, AL-MSGD and ProxProp; null for SGD and TP.</summary>
    public double? Gamma { get; }

    /// <summary>AL-MSGD's β; null for the other methods.</summary>
    public double? Beta { get; }

    /// <summary>κ of AL-MSGD, TP and ProxProp; null for the other methods.</summary>
    public double? Kappa { get; }

    /// <summary>ProxProp's η when it is not 1; null otherwise.</summary>
    public double? TargetStep { get; }

    /// <summary>Warnings of the Prop. 2.3 guard during this run (AL-MSGD, ProxProp: a subproblem not strongly convex at its step).</summary>
    public long ConvexityWarnings { get; internal set; }

    /// <summary>The first warning of the Prop. 2.3 guard in this run, as text (layer, step, curvature, safe step), or null.</summary>
    public string? FirstConvexityWarning { get; internal set; }

    /// <summary>The checkpoint file written after every epoch.</summary>
    public string CheckpointPath { get; }

    /// <summary>Whether <see cref="CheckpointPath"/> holds this run's parameters (saved by it, or resumed from it).</summary>
    public bool CheckpointSaved { get; internal set; }

    /// <summary>Whether an interruption stopped the run before its last epoch (its checkpoint holds where it stopped).</summary>
    public bool Interrupted { get; internal set; }

    /// <summary>Mini-batch steps of the unfinished epoch saved in the checkpoint when interrupted (0: stopped between epochs).</summary>
    public int BatchesDone { get; internal set; }

    /// <summary>Mini-batches per epoch.</summary>
    public int BatchCount { get; internal set; }

    /// <summary>Where the run stands, for the interruption message, e.g. "SGD: epoch 3 of 5 done and 120 of 235 batches of epoch 4, saved in sgd.ckpt".</summary>
    public string Progress(int epochs)
    {
        int done = Epochs.Count == 0 ? 0 : Epochs[^1].Epoch;
        string text = string.Create(CultureInfo.InvariantCulture, $"{Names.Display(Method)}: {done} of {epochs} epochs done");
        if (BatchesDone > 0)
            text += string.Create(CultureInfo.InvariantCulture, $" and {BatchesDone} of {BatchCount} batches of epoch {done + 1}");
        return text + (CheckpointSaved ? $", saved in {CheckpointPath}" : ", nothing saved");
    }

    /// <summary>One record per epoch, from epoch 0 (the initial parameters) on; those before <see cref="ResumedFrom"/> come from the checkpoint.</summary>
    public List<EpochRecord> Epochs { get; } = [];

    /// <summary>The epoch the run resumed from (0 for a fresh run).</summary>
    public int ResumedFrom { get; internal set; }

    /// <summary>Why training stopped early (a NaN or an infinity), or null.</summary>
    public string? Failure { get; internal set; }

    /// <summary>For MorSGD: inner-solver function evaluations per step, averaged over the steps of this run; NaN for SGD.</summary>
    public double EvaluationsPerStep { get; internal set; } = double.NaN;

    /// <summary>For MorSGD: steps in which some inner solve's line search failed (it then takes its best point).</summary>
    public long StepsWithSolverFailures { get; internal set; }

    /// <summary>The smallest training loss up to and including each epoch (paper Fig. 4's y-axis).</summary>
    public double[] BestTrainLoss() => RunningBest(Epochs.Select(e => e.TrainLoss), Math.Min);

    /// <summary>The highest test accuracy up to and including each epoch.</summary>
    public double[] BestTestAccuracy() => RunningBest(Epochs.Select(e => e.TestAccuracy), Math.Max);

    private static double[] RunningBest(IEnumerable<double> values, Func<double, double, double> better)
    {
        var result = new List<double>();
        double best = double.NaN;
        foreach (double value in values)
        {
            best = double.IsNaN(best) ? value : double.IsNaN(value) ? best : better(best, value);
            result.Add(best);
        }

        return [.. result];
    }
}

/// <summary>What <see cref="Training.Run"/> did: the runs of the methods it started, and whether an interruption stopped it.</summary>
/// <param name="Runs">One run per method started, in the order of the settings.</param>
/// <param name="Interrupted">Whether an interruption stopped training before every method finished its epochs.</param>
public sealed record TrainingOutcome(IReadOnlyList<MethodRun> Runs, bool Interrupted);

/// <summary>
/// Trains the network with each method from the same initial parameters (or from each method's checkpoint),
/// evaluating the whole training and test sets after every epoch and saving a checkpoint.
/// </summary>
public static class Training
{
    /// <summary>The checkpoint metadata key holding the number of epochs completed.</summary>
    public const string EpochKey = "epoch";

    /// <summary>The checkpoint metadata key holding the per-epoch records.</summary>
    public const string HistoryKey = "history";

    /// <summary>The checkpoint metadata key naming the program that wrote it.</summary>
    public const string SampleKey = "sample";

    private const string SampleName = "moreaugen-mlp";

    /// <summary>The checkpoint metadata key holding the mini-batch steps done in the unfinished epoch (an interrupted run).</summary>
    public const string BatchesKey = "batches-done";

    /// <summary>The checkpoint metadata key holding the training seconds spent in the unfinished epoch.</summary>
    public const string PartialSecondsKey = "partial-seconds";

    /// <summary>A method's starting point: parameters and, when resumed, the checkpoint's history and where in the next epoch it stopped.</summary>
    /// <param name="Parameters">w.</param>
    /// <param name="History">The records of the epochs done (empty for a fresh start).</param>
    /// <param name="BatchesDone">Steps of the next epoch already taken (an interrupted epoch); 0 otherwise.</param>
    /// <param name="PartialSeconds">Training seconds of those steps.</param>
    public sealed record Start(float[] Parameters, IReadOnlyList<EpochRecord> History, int BatchesDone = 0, double PartialSeconds = 0)
    {
        /// <summary>Whether the method starts from its initial parameters.</summary>
        public bool IsFresh => History.Count == 0;
    }

    /// <summary>What the checkpoint at <paramref name="path"/> holds, in a few words ("epoch 4 of an earlier run"), for messages.</summary>
    public static string Describe(string path)
    {
        try
        {
            CheckpointInfo info = Checkpoint.ReadInfo(path);
            return info.Metadata.TryGetValue(EpochKey, out string? epoch) ? $"epoch {epoch} of an earlier run" : "a checkpoint of another program";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "unreadable as a checkpoint";
        }
    }

    /// <summary>
    /// The starting point of each method: the seeded initial parameters, or with <see cref="MlpSettings.Resume"/> the
    /// method's checkpoint, checked to be intact, for this network and saved with the same training settings.
    /// A method whose checkpoint does not exist starts afresh.
    /// </summary>
    /// <param name="settings">The run's settings.</param>
    /// <param name="network">The network.</param>
    /// <param name="batchCount">Mini-batches per epoch (an interrupted epoch must have fewer steps done).</param>
    /// <exception cref="DataFileException">A checkpoint is corrupt, for another network, or saved with other settings (the message says which and what to do).</exception>
    public static IReadOnlyDictionary<TrainingMethod, Start> Prepare(MlpSettings settings, Network network, int batchCount)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(network);
        var starts = new Dictionary<TrainingMethod, Start>();
        foreach (TrainingMethod method in settings.Methods)
        {
            if (!settings.Resume)
            {
                starts[method] = new Start(network.InitialParameters(settings.Seed), []);
                continue;
            }

            string path = settings.CheckpointOf(method);
            if (!File.Exists(path))
            {
                starts[method] = new Start(network.InitialParameters(settings.Seed), []);
                continue;
            }

            float[] w = new float[network.ParameterCount];
            CheckpointInfo info = Checkpoint.Load<float>(path, network.Shape, w);
            List<EpochRecord> history = ReadHistory(info, settings, method);
            var (batchesDone, seconds) = ReadPartialEpoch(info, batchCount);
            starts[method] = new Start(w, history, batchesDone, seconds);
        }

        return starts;
    }

    /// <summary>
    /// Runs every method of <paramref name="settings"/> on <paramref name="data"/>, showing progress (one task per
    /// method) and calling <paramref name="epochEnded"/> as each epoch's evaluation is ready (and for each record of a
    /// resumed history). When <paramref name="interrupt"/> is cancelled the current mini-batch step finishes, the
    /// method's checkpoint is saved where it stopped, and no further method starts.
    /// </summary>
    public static TrainingOutcome Run(MlpSettings settings, Network network, TrainTestSplit<float> data,
                                      IReadOnlyDictionary<TrainingMethod, Start> starts, ConsoleProgress? progress = null,
                                      CancellationToken interrupt = default, Action<MethodRun>? epochEnded = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(starts);
        var batches = new MiniBatches<float>(data.Train, settings.BatchSize, (ulong)(uint)settings.Seed);
        var runs = new List<MethodRun>();
        var tasks = new Dictionary<TrainingMethod, ProgressItem>();
        foreach (TrainingMethod method in settings.Methods)
        {
            Start start = starts[method];
            double remaining = (settings.Epochs - (start.IsFresh ? 0 : start.History[^1].Epoch)) * (double)batches.BatchCount - start.BatchesDone;
            if (progress is not null && remaining > 0)
                tasks[method] = progress.AddTask(string.Create(CultureInfo.InvariantCulture, $"{Names.Display(method)}: {remaining / batches.BatchCount:0.##} epochs"), remaining);
        }

        foreach (TrainingMethod method in settings.Methods)
        {
            if (interrupt.IsCancellationRequested)
                return new TrainingOutcome(runs, Interrupted: true);
            MethodRun run = Train(settings, network, data, batches, method, starts[method], tasks.GetValueOrDefault(method), interrupt, epochEnded);
            runs.Add(run);
            if (run.Interrupted)
                return new TrainingOutcome(runs, Interrupted: true);
        }

        return new TrainingOutcome(runs, Interrupted: false);
    }

    private static MethodRun Train(MlpSettings settings, Network network, TrainTestSplit<float> data, MiniBatches<float> batches,
                                   TrainingMethod method, Start start, ProgressItem? task, CancellationToken interrupt, Action<MethodRun>? epochEnded)
    {
        var run = new MethodRun(method, settings, settings.CheckpointOf(method)) { BatchCount = batches.BatchCount };
        float[] w = start.Parameters;
        int classes = network.Chain.OutputCount;
        var evaluator = new Evaluator(network, ClassificationObjective.Create(settings.Loss, classes, 1000));
        if (start.IsFresh)
        {
            run.Epochs.Add(Evaluate(0, 0, evaluator, w, data));
            epochEnded?.Invoke(run);
        }
        else
        {
            foreach (EpochRecord record in start.History)
            {
                run.Epochs.Add(record);
                epochEnded?.Invoke(run);
            }

            run.ResumedFrom = start.History[^1].Epoch;
            run.CheckpointSaved = true;
            run.BatchesDone = start.BatchesDone;
        }

        ChainOptimizer<float> optimizer = MethodOptimizers.Create(settings, method, network.Chain, warning =>
        {
            run.ConvexityWarnings++;
            run.FirstConvexityWarning ??= warning.ToString();
        });
        var objective = ClassificationObjective.Create(settings.Loss, classes, settings.BatchSize);
        var source = new BatchSource(batches, objective, task, optimizer, interrupt);
        string inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
        int offset = start.BatchesDone;
        double carriedSeconds = start.PartialSeconds;
        for (int epoch = run.Epochs[^1].Epoch + 1; epoch <= settings.Epochs; epoch++)
        {
            if (interrupt.IsCancellationRequested)
            {
                // Between epochs: the checkpoint already holds the last one, except epoch 0 of a fresh run.
                if (!run.CheckpointSaved)
                    SaveCheckpoint(settings, network, method, run, w);
                run.Interrupted = true;
                break;
            }

            if (task is not null)
                task.Description = inv($"{Names.Display(method)}: epoch {epoch}/{settings.Epochs}");
            batches.StartEpoch(epoch - 1);
            source.Offset = offset;
            var clock = Stopwatch.StartNew();
            try
            {
                optimizer.Epoch(w, source);
                source.EndEpoch();
            }
            catch (NonFiniteValueException e)
            {
                run.Failure = inv($"stopped in epoch {epoch} at batch {offset + e.Iteration}: {e.Message}");
                break;
            }
            catch (OperationCanceledException) when (interrupt.IsCancellationRequested)
            {
                // The step before the request is complete: save w after DoneInEpoch steps of this epoch.
                run.Interrupted = true;
                SaveCheckpoint(settings, network, method, run, w, source.DoneInEpoch, carriedSeconds + clock.Elapsed.TotalSeconds);
                break;
            }

            double trainSeconds = carriedSeconds + clock.Elapsed.TotalSeconds;
            offset = 0;
            carriedSeconds = 0;
            run.Epochs.Add(Evaluate(epoch, trainSeconds, evaluator, w, data));
            SaveCheckpoint(settings, network, method, run, w);
            epochEnded?.Invoke(run);
        }

        if (source.Steps > 0)
        {
            run.EvaluationsPerStep = method == TrainingMethod.Sgd ? double.NaN : (double)source.Evaluations / source.Steps;
            run.StepsWithSolverFailures = source.StepsWithFailures;
        }

        task?.Complete();
        return run;
    }

    private static EpochRecord Evaluate(int epoch, double trainSeconds, Evaluator evaluator, float[] w, TrainTestSplit<float> data)
    {
        var clock = Stopwatch.StartNew();
        Evaluation train = evaluator.Evaluate(w, data.Train);
        Evaluation test = evaluator.Evaluate(w, data.Test);
        return new EpochRecord(epoch, train.Loss, train.Accuracy, test.Loss, test.Accuracy, trainSeconds, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Saves the parameters after an epoch, or after <paramref name="batchesDone"/> steps of an interrupted one, with the
    /// training settings and the history so far (atomically: a crash keeps the previous file).
    /// </summary>
    private static void SaveCheckpoint(MlpSettings settings, Network network, TrainingMethod method, MethodRun run, float[] w,
                                       int batchesDone = 0, double partialSeconds = 0)
    {
        var inv = CultureInfo.InvariantCulture;
        SortedDictionary<string, string> metadata = settings.TrainingKeys(method);
        metadata[SampleKey] = SampleName;
        metadata[EpochKey] = run.Epochs[^1].Epoch.ToString(inv);
        metadata[HistoryKey] = string.Join(';', run.Epochs.Select(e => e.Encode()));
        if (batchesDone > 0)
        {
            metadata[BatchesKey] = batchesDone.ToString(inv);
            metadata[PartialSecondsKey] = partialSeconds.ToString("R", inv);
        }

        Checkpoint.Save<float>(run.CheckpointPath, w, network.Shape, metadata);
        run.CheckpointSaved = true;
        run.BatchesDone = batchesDone;
    }

    /// <summary>The steps done in an interrupted epoch and their seconds (0, 0 for a checkpoint saved between epochs).</summary>
    private static (int BatchesDone, double Seconds) ReadPartialEpoch(CheckpointInfo info, int batchCount)
    {
        var inv = CultureInfo.InvariantCulture;
        if (!info.Metadata.TryGetValue(BatchesKey, out string? text))
            return (0, 0);
        if (!int.TryParse(text, NumberStyles.None, inv, out int done) || done < 0 || done >= batchCount
            || !double.TryParse(info.Metadata.GetValueOrDefault(PartialSecondsKey), NumberStyles.Float, inv, out double seconds))
            throw new DataFileException(info.Path, DataFileProblem.Malformed,
                $"Checkpoint '{info.Path}' stopped after {text} mini-batches of an epoch of {batchCount}: that does not fit this data. "
                + "Resume with the same --data, or start afresh with --overwrite.");
        return (done, seconds);
    }

    private static List<EpochRecord> ReadHistory(CheckpointInfo info, MlpSettings settings, TrainingMethod method)
    {
        string path = info.Path;
        IReadOnlyDictionary<string, string> metadata = info.Metadata;
        if (!metadata.TryGetValue(SampleKey, out string? sample) || sample != SampleName)
            throw new DataFileException(path, DataFileProblem.Malformed,
                $"Checkpoint '{path}' was not written by this sample (it has no training history): start afresh without --resume, or use another --checkpoint path.");

        var differences = new List<string>();
        foreach (var (key, expected) in settings.TrainingKeys(method))
        {
            string saved = metadata.GetValueOrDefault(key) ?? "(none)";
            if (saved != expected)
                differences.Add($"{key} {saved} (this run: {expected})");
        }

        if (differences.Count > 0)
            throw new DataFileException(path, DataFileProblem.ShapeMismatch,
                $"Checkpoint '{path}' was saved by another training run: {string.Join(", ", differences)}. Resume with the same settings, "
                + "or start afresh without --resume (or with another --checkpoint path).");

        var history = new List<EpochRecord>();
        string text = metadata.GetValueOrDefault(HistoryKey) ?? "";
        foreach (string field in text.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            EpochRecord? record = EpochRecord.Decode(field);
            if (record is null || record.Epoch != history.Count)
                throw new DataFileException(path, DataFileProblem.Malformed,
                    $"Checkpoint '{path}' has an unreadable training history (epoch record {history.Count}): start afresh without --resume.");
            history.Add(record);
        }

        if (history.Count == 0 || !metadata.TryGetValue(EpochKey, out string? epochText) || epochText != history[^1].Epoch.ToString(CultureInfo.InvariantCulture))
            throw new DataFileException(path, DataFileProblem.Malformed,
                $"Checkpoint '{path}' has an unreadable training history (its epoch count disagrees with its records): start afresh without --resume.");
        return history;
    }

    /// <summary>
    /// The mini-batches of an epoch with the objective's labels set per batch. Counts each step once it is done (when
    /// the optimiser asks for the next batch, or at <see cref="EndEpoch"/>), with the inner-solver work of MorSGD and the variants.
    /// </summary>
    /// An interrupt requested, it throws <see cref="OperationCanceledException"/> when asked for the next batch: the
    /// step before is complete, so the parameters are those after <see cref="DoneInEpoch"/> steps. From
    /// <see cref="Offset"/> on, it serves the batches of an epoch an interrupted run left unfinished.
    private sealed class BatchSource(MiniBatches<float> batches, ClassificationObjective objective, ProgressItem? task,
                                     ChainOptimizer<float> optimizer, CancellationToken interrupt) : IMiniBatchSource<float>
    {
        private bool _pending;
        private int _offset;

        /// <summary>Batches of the current epoch done before this pass (a resumed epoch); set at the start of each epoch.</summary>
        public int Offset
        {
            get => _offset;
            set
            {
                _offset = value;
                DoneInEpoch = value;
            }
        }

        /// <summary>Steps of the current epoch completed, counting <see cref="Offset"/>.</summary>
        public int DoneInEpoch { get; private set; }

        public int BatchCount => batches.BatchCount - Offset;

        public long Steps { get; private set; }

        public long Evaluations { get; private set; }

        public long StepsWithFailures { get; private set; }

        public ReadOnlySpan<float> Batch(int index, out IMoreauObjective<float> batchObjective)
        {
            EndStep();
            interrupt.ThrowIfCancellationRequested();
            MiniBatch<float> batch = batches.GetBatch(Offset + index);
            objective.SetLabels(batch.Labels);
            batchObjective = objective;
            _pending = true;
            return batch.Features;
        }

        /// <summary>Counts the last step of an epoch that completed.</summary>
        public void EndEpoch() => EndStep();

        private void EndStep()
        {
            if (!_pending)
                return;
            _pending = false;
            Steps++;
            DoneInEpoch++;
            if (MethodOptimizers.LastStatistics(optimizer) is InnerSolveStatistics<float> statistics)
            {
                Evaluations += statistics.Evaluations;
                if (statistics.Failures > 0)
                    StepsWithFailures++;
            }

            task?.Increment();
        }
    }
}
