using System.Text.Json;
using MoreauGen.Samples.Mlp;

namespace MoreauGen.Samples.Tests.Mlp;

/// <summary>The timing mode behind benchmarks/pytorch/side_by_side.py: its replies, and the allocation-free training step it measures.</summary>
public sealed class StepTimerTests
{
    private const string NoData = "/nonexistent/fashion-mnist";

    [Theory]
    [InlineData(TrainingMethod.Sgd, LossKind.Squared)]
    [InlineData(TrainingMethod.MorSgd, LossKind.Squared)]
    [InlineData(TrainingMethod.Sgd, LossKind.CrossEntropy)]
    [InlineData(TrainingMethod.MorSgd, LossKind.CrossEntropy)]
    public void A_training_step_allocates_nothing_once_warmed_up(TrainingMethod method, LossKind loss)
    {
        var timer = new StepTimer(batch: 16, warmup: 2, loss, NoData);

        StepTimer.StepTiming timing = timer.TimeSteps("20-12-8-10", method, steps: 3);

        Assert.Equal(0, timing.AllocatedBytesPerStep);
        Assert.Equal(3, timing.Milliseconds.Length);
        Assert.Equal("random", timing.Input);
        Assert.Equal(method == TrainingMethod.MorSgd, !double.IsNaN(timing.EvaluationsPerStep));
    }

    [Fact]
    public void Serve_answers_each_request_with_one_json_line_and_reports_bad_requests()
    {
        var timer = new StepTimer(batch: 8, warmup: 1, LossKind.Squared, NoData);
        var output = new StringWriter();

        timer.Serve(new StringReader("step 12-6-10 sgd 2\nstep 12-6-10 morsgd 2\nstep 12-x-10 sgd 2\nfly away\nepoch 12-6-10\nquit\nstep 12-6-10 sgd 2\n"), output);

        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, lines.Length); // nothing after quit
        using (JsonDocument sgd = JsonDocument.Parse(lines[0]))
        {
            Assert.Equal("step", sgd.RootElement.GetProperty("kind").GetString());
            Assert.Equal("12-6-10", sgd.RootElement.GetProperty("shape").GetString());
            Assert.Equal(2, sgd.RootElement.GetProperty("milliseconds").GetArrayLength());
            Assert.True(sgd.RootElement.GetProperty("median_ms").GetDouble() > 0);
        }

        using (JsonDocument morsgd = JsonDocument.Parse(lines[1]))
            Assert.True(morsgd.RootElement.GetProperty("evaluations_per_step").GetDouble() >= 0);
        foreach (string error in lines[2..])
        {
            using JsonDocument reply = JsonDocument.Parse(error);
            Assert.Equal("error", reply.RootElement.GetProperty("kind").GetString());
        }

        Assert.Contains("not a network shape", lines[2], StringComparison.Ordinal);
        Assert.Contains("fly away", lines[3], StringComparison.Ordinal);
        Assert.Contains("apt-get install -y dataset-fashion-mnist", lines[4], StringComparison.Ordinal);
    }
}
