namespace MoreauGen.Samples.Mlp;

/// <summary>
/// What another sample (the ConvNet) brings to <c>--distributed</c> training instead of the MLP: its network and data
/// preparation, its loss, its default steps and its usage text.
/// </summary>
/// <param name="Name">The sample's name in messages ("ConvNet").</param>
/// <param name="Network">The data preparation (e.g. padding) and the network built for the prepared data.</param>
/// <param name="Loss">The training loss.</param>
/// <param name="SgdStep">Default SGD step η.</param>
/// <param name="Alpha">Default MorSGD α (eq. 52).</param>
/// <param name="Gamma">Default MorSGD γ (eq. 52).</param>
/// <param name="Usage">The usage text printed by --help and with a bad option.</param>
public sealed record DistributedSample(string Name, MlpCommand.NetworkSample Network, LossKind Loss, double SgdStep, double Alpha, double Gamma, string Usage);
