using System.Linq;
using Xunit;

namespace LossGen.Tests;

/// <summary>The generator records on x what the loss expects there, for the analyzers.</summary>
public class InputKindTests
{
    [Theory]
    [InlineData("logsumexp(x) - x[t]", "Logits")]
    [InlineData("-sum(y * log_softmax(x))", "Logits")]
    [InlineData("softplus(x) - x * y", "Logits")]
    [InlineData("softplus(-x * y)", "Logits")]
    [InlineData("-(y * log(x) + (1 - y) * log(1 - x))", "Probabilities")]
    [InlineData("-log(x[t])", "Probabilities")]
    [InlineData("-x[t]", "LogProbabilities")]
    [InlineData("(x - y)^2", "Values")]
    [InlineData("exp(x) - y * x", "Values")]
    public void Dsl_losses_record_their_input_kind(string expression, string kind)
    {
        var result = GeneratorHarness.Run(GeneratorHarness.Declare(expression));
        Assert.Contains($"[global::LossGen.LossInput(global::LossGen.InputKind.{kind})] ReadOnlyTensorSpan<float> x", result.Generated.Single().Value);
    }

    [Theory]
    [InlineData("[CrossEntropyLoss]", "Logits")]
    [InlineData("[NllLoss]", "LogProbabilities")]
    [InlineData("[BinaryCrossEntropyLoss]", "Probabilities")]
    [InlineData("[BinaryCrossEntropyWithLogitsLoss]", "Logits")]
    [InlineData("[KLDivLoss]", "LogProbabilities")]
    [InlineData("[MseLoss]", "Values")]
    public void Canned_losses_record_their_input_kind(string attribute, string kind)
    {
        var result = GeneratorHarness.Run($"using LossGen;\n{attribute}\npublic static partial class L;\n");
        Assert.Contains($"[global::LossGen.LossInput(global::LossGen.InputKind.{kind})] ReadOnlyTensorSpan<double> x", result.Generated.Single().Value);
    }
}
