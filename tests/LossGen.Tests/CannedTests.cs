using System.Linq;
using Xunit;

namespace LossGen.Tests;

/// <summary>Canned attributes compile through the same pipeline; impossible options are diagnostics.</summary>
public class CannedTests
{
    [Theory]
    [InlineData("[CrossEntropyLoss]")]
    [InlineData("[CrossEntropyLoss(Target = TargetKind.Probabilities, Weighted = true, LabelSmoothing = 0.2, Reduction = Reduction.Sum)]")]
    [InlineData("[CrossEntropyLoss(Weighted = true, IgnoreIndex = 3, LabelSmoothing = 0.05, Classes = 10, ClassAxis = -1)]")]
    [InlineData("[NllLoss(Weighted = true, Reduction = Reduction.None)]")]
    [InlineData("[BinaryCrossEntropyLoss(Weighted = true)]")]
    [InlineData("[BinaryCrossEntropyWithLogitsLoss(Weighted = true, PosWeighted = true)]")]
    [InlineData("[KLDivLoss(LogTarget = true, Reduction = Reduction.BatchMean)]")]
    [InlineData("[MseLoss(Reduction = Reduction.Sum)]")]
    [InlineData("[L1Loss]")]
    [InlineData("[SmoothL1Loss(Beta = 0)]")]
    [InlineData("[HuberLoss(Delta = 0.5)]")]
    [InlineData("[PoissonNllLoss(LogInput = false, Full = true, Eps = 1e-6)]")]
    [InlineData("[SoftMarginLoss]")]
    [InlineData("[SigmoidFocalLoss(Alpha = -1, Gamma = 0)]")]
    [InlineData("[HingeEmbeddingLoss(Margin = -0.5, Reduction = Reduction.None)]")]
    [InlineData("[MarginRankingLoss(Margin = 1)]")]
    [InlineData("[CosineEmbeddingLoss(Margin = 0.5, Reduction = Reduction.None)]")]
    [InlineData("[MultiMarginLoss(P = 2, Weighted = true, Classes = 7, ClassAxis = -1)]")]
    [InlineData("[MultiLabelSoftMarginLoss(Weighted = true, Reduction = Reduction.None)]")]
    public void Compiles_clean(string attribute)
    {
        var result = GeneratorHarness.Run($"using LossGen;\n{attribute}\npublic static partial class L;\n");
        Assert.True(result.Diagnostics.IsEmpty && result.CompileErrors.Count == 0, result.Describe());
        Assert.Single(result.Generated);
    }

    [Theory]
    [InlineData("[CrossEntropyLoss(LabelSmoothing = 1.5)]", "LabelSmoothing = 1.5 is outside [0, 1]")]
    [InlineData("[SmoothL1Loss(Beta = -1)]", "Beta = -1 is negative")]
    [InlineData("[HuberLoss(Delta = 0)]", "Delta = 0 is not positive")]
    [InlineData("[HuberLoss(Delta = double.NaN)]", "Delta = NaN is not a finite number")]
    [InlineData("[NllLoss(ClassAxis = -5)]", "ClassAxis = -5")]
    [InlineData("[MultiMarginLoss(P = 3)]", "P = 3 is not 1 or 2")]
    [InlineData("[CosineEmbeddingLoss(Margin = double.PositiveInfinity)]", "Margin = Infinity is not a finite number")]
    public void Invalid_options_are_errors(string attribute, string message)
    {
        string source = $"using LossGen;\n{attribute}\npublic static partial class L;\n";
        var result = GeneratorHarness.Run(source);
        var diagnostic = Assert.Single(result.Diagnostics, d => d.Id == "LG0015");
        Assert.Contains(message, diagnostic.GetMessage());
        Assert.StartsWith(attribute.Trim('[', ']').Split('(')[0], source.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
        Assert.Empty(result.Generated);
    }

    [Fact]
    public void Canned_class_must_be_static_partial()
    {
        var result = GeneratorHarness.Run("using LossGen;\n[MseLoss]\npublic class L { }\n");
        Assert.Contains(result.Diagnostics, d => d.Id == "LG0014");
    }

    [Fact]
    public void Docs_of_canned_methods_carry_the_formula_and_gradient()
    {
        var result = GeneratorHarness.Run("using LossGen;\n[CrossEntropyLoss]\npublic static partial class L;\n");
        string source = result.Generated.Single().Value;
        Assert.Contains("dL/dx = g * (softmax(x) - one_hot(t))", source);
    }
}
