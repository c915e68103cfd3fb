using System.Text;

namespace MoreauGen.Samples.Tests.Common;

/// <summary>
/// A <see cref="StringWriter"/> that cancels <see cref="Interrupt"/> the first time its text contains
/// <paramref name="trigger"/>: a test presses Ctrl-C at a chosen point of a run (e.g. when the row of epoch 1 or a
/// progress line of epoch 2 is printed) without timing anything.
/// </summary>
internal sealed class TriggerWriter(string trigger) : StringWriter
{
    private readonly CancellationTokenSource _source = new();
    private readonly StringBuilder _seen = new();

    /// <summary>Cancelled once the trigger text has been written.</summary>
    public CancellationToken Interrupt => _source.Token;

    public override void Write(char value)
    {
        base.Write(value);
        _seen.Append(value);
        Check();
    }

    public override void Write(string? value)
    {
        base.Write(value);
        _seen.Append(value);
        Check();
    }

    public override void Write(char[] buffer, int index, int count)
    {
        base.Write(buffer, index, count);
        _seen.Append(buffer, index, count);
        Check();
    }

    private void Check()
    {
        if (!_source.IsCancellationRequested && _seen.ToString().Contains(trigger, StringComparison.Ordinal))
            _source.Cancel();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _source.Dispose();
        base.Dispose(disposing);
    }
}
