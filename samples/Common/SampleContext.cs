using Spectre.Console;

namespace MoreauGen.Samples.Common;

/// <summary>What a sample's command writes to and listens to while it runs.</summary>
/// <param name="Console">Tables, progress and per-epoch lines.</param>
/// <param name="Error">One-line errors and notices.</param>
/// <param name="Interrupt">Cancelled when the user asks to stop (Ctrl-C, SIGTERM, or a test): finish the current step, save, and say how to resume.</param>
public sealed record SampleContext(IAnsiConsole Console, TextWriter Error, CancellationToken Interrupt);
