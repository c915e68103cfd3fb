using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace MoreauGen.Samples.Common;

/// <summary>
/// Progress of long work (a grid search, training epochs). On an interactive terminal: Spectre.Console progress bars
/// with percentage and remaining time. When output is redirected (CI, tests, a log file) Spectre shows nothing, so
/// this prints plain lines instead: one each time a task passes another tenth of its total, and one at least every
/// <see cref="PlainInterval"/> while it advances, e.g. <c>grid τ=50: 40% (24/60), 00:00:12 elapsed</c>.
/// </summary>
/// <example>
/// <code>
/// ConsoleProgress.Run(progress =>
/// {
///     var grid = progress.AddTask("grid τ=50", total: steps.Length);
///     foreach (double step in steps) { Run(step); grid.Increment(); }
/// });
/// </code>
/// Write tables after <see cref="Run"/> returns: a live progress display and other output do not mix well.
/// </example>
public sealed class ConsoleProgress
{
    /// <summary>Longest gap between two plain progress lines of an advancing task when output is redirected.</summary>
    public static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(30);

    private readonly ProgressContext? _context;
    private readonly IAnsiConsole _console;
    private readonly Lock _plainLock = new();

    private ConsoleProgress(IAnsiConsole console, ProgressContext? context)
    {
        _console = console;
        _context = context;
    }

    /// <summary>Whether live progress bars are shown (false: plain lines are printed).</summary>
    public bool IsInteractive => _context is not null;

    /// <summary>Runs <paramref name="work"/> with progress shown on <paramref name="console"/> (default <see cref="SampleConsole.Out"/>).</summary>
    public static void Run(Action<ConsoleProgress> work, IAnsiConsole? console = null)
    {
        ArgumentNullException.ThrowIfNull(work);
        Run<bool>(progress =>
        {
            work(progress);
            return true;
        }, console);
    }

    /// <summary>Runs <paramref name="work"/> with progress shown on <paramref name="console"/> and returns its result.</summary>
    public static TResult Run<TResult>(Func<ConsoleProgress, TResult> work, IAnsiConsole? console = null)
    {
        ArgumentNullException.ThrowIfNull(work);
        console ??= SampleConsole.Out;
        if (!console.Profile.Capabilities.Interactive)
            return work(new ConsoleProgress(console, context: null));
        return console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                     new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context => work(new ConsoleProgress(console, context)));
    }

    /// <summary>Adds a task of <paramref name="total"/> units (e.g. grid points, batches).</summary>
    public ProgressItem AddTask(string description, double total)
    {
        ArgumentNullException.ThrowIfNull(description);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(total);
        var task = _context?.AddTask(Markup.Escape(description), autoStart: true, maxValue: total);
        return new ProgressItem(this, description, total, task);
    }

    internal void WritePlain(string line)
    {
        lock (_plainLock)
            _console.WriteLine(line, Style.Plain);
    }
}

/// <summary>One task of a <see cref="ConsoleProgress"/>. Safe to advance from several threads.</summary>
public sealed class ProgressItem
{
    private readonly ConsoleProgress _owner;
    private readonly ProgressTask? _task;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _lock = new();
    private string _description;
    private double _value;
    private int _lastTenth;
    private TimeSpan _lastLine;

    internal ProgressItem(ConsoleProgress owner, string description, double total, ProgressTask? task)
    {
        _owner = owner;
        _description = description;
        Total = total;
        _task = task;
    }

    /// <summary>The units of work in the task.</summary>
    public double Total { get; }

    /// <summary>Units done so far (0..Total).</summary>
    public double Value
    {
        get
        {
            lock (_lock)
                return _value;
        }
    }

    /// <summary>Whether Value has reached Total.</summary>
    public bool IsComplete => Value >= Total;

    /// <summary>The text shown beside the bar (may be changed while running, e.g. to show the current loss).</summary>
    public string Description
    {
        get
        {
            lock (_lock)
                return _description;
        }
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            lock (_lock)
                _description = value;
            if (_task is not null)
                _task.Description = Markup.Escape(value);
        }
    }

    /// <summary>Advances the task by <paramref name="amount"/> units (clamped to Total).</summary>
    public void Increment(double amount = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amount);
        string? line = null;
        lock (_lock)
        {
            _value = Math.Min(Total, _value + amount);
            if (_task is null)
                line = PlainLineIfDue();
        }
        _task?.Increment(amount);
        if (line is not null)
            _owner.WritePlain(line);
    }

    /// <summary>Marks the task done (Value = Total).</summary>
    public void Complete()
    {
        double rest;
        lock (_lock)
            rest = Total - _value;
        if (rest > 0)
            Increment(rest);
        _task?.StopTask();
    }

    /// <summary>The plain line to print now, or null: at each new tenth of the total, or after PlainInterval.</summary>
    private string? PlainLineIfDue()
    {
        int tenth = (int)Math.Floor(10 * _value / Total);
        TimeSpan elapsed = _clock.Elapsed;
        if (tenth <= _lastTenth && elapsed - _lastLine < ConsoleProgress.PlainInterval)
            return null;
        _lastTenth = Math.Max(_lastTenth, tenth);
        _lastLine = elapsed;
        var inv = CultureInfo.InvariantCulture;
        string percent = (100 * _value / Total).ToString("0", inv);
        return $"{_description}: {percent}% ({_value.ToString("0.##", inv)}/{Total.ToString("0.##", inv)}), " +
               $"{elapsed.ToString(@"hh\:mm\:ss", inv)} elapsed";
    }
}
