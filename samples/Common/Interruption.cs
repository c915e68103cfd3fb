using System.Runtime.InteropServices;

namespace MoreauGen.Samples.Common;

/// <summary>
/// Turns Ctrl-C (SIGINT) and SIGTERM into a request to stop: the first signal cancels <see cref="Token"/>, so the
/// work finishes its current step, saves what is finished and says how to resume; a second signal ends the process
/// at once, as usual. Dispose to restore the default handling.
/// </summary>
public sealed class Interruption : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly TextWriter _error;
    private readonly PosixSignalRegistration[] _registrations;

    private Interruption(TextWriter error)
    {
        _error = error;
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal)];
    }

    /// <summary>Cancelled by the first Ctrl-C or SIGTERM.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>Starts listening for the process's Ctrl-C and SIGTERM; the notice goes to <paramref name="error"/>.</summary>
    public static Interruption Listen(TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new Interruption(error);
    }

    private void OnSignal(PosixSignalContext context)
    {
        if (_source.IsCancellationRequested)
            return; // the second signal: the default handling ends the process
        context.Cancel = true;
        _error.WriteLine("Interrupted: finishing the current step and saving what is finished (press Ctrl-C again to stop at once).");
        _source.Cancel();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (PosixSignalRegistration registration in _registrations)
            registration.Dispose();
        _source.Dispose();
    }
}
