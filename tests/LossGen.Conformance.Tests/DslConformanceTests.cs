using System;
using System.Collections.Generic;
using System.Linq;
using LossGen.Conformance.Tests.Dsl;
using Xunit;

namespace LossGen.Conformance.Tests;

/// <summary>
/// Every PyTorch reference case the expression language can express, run through the generated
/// Forward / Backward / ForwardBackward of its declaration (DslLosses.cs), in float64 and float32.
/// </summary>
public sealed class DslConformanceTests
{
    public static TheoryData<string, Precision> AllCases => Cases(_ => true);
    public static TheoryData<string, Precision> CasesWithGradX => Cases(d => d.Case.Outputs.ContainsKey("grad_x"));
    public static TheoryData<string, Precision> CasesWithGradY => Cases(d => d.Case.Outputs.ContainsKey("grad_y"));
    public static TheoryData<string, Precision> ClassIndexCases => Cases(d => d.Case.Has("t"));
    public static TheoryData<string, Precision> KlDivSumCases => Cases(d => d.Case.Fn == "kl_div" && d.Reduction == Reduction.Sum);

    public static TheoryData<string> PoissonNoneCases =>
        [.. DslSuite.Covered.Where(d => d.Formula == Formulas.Poisson && d.Reduction == Reduction.None).Select(d => d.Id)];

    [Theory, MemberData(nameof(AllCases))]
    public void Forward(string id, Precision precision) =>
        LossRunner.Run(DslSuite.Get(id), precision, Op.Forward);

    [Theory, MemberData(nameof(CasesWithGradX))]
    public void Backward(string id, Precision precision) =>
        LossRunner.Run(DslSuite.Get(id), precision, Op.Backward);

    [Theory, MemberData(nameof(AllCases))]
    public void ForwardBackward(string id, Precision precision) =>
        LossRunner.Run(DslSuite.Get(id), precision, Op.ForwardBackward);

    [Theory, MemberData(nameof(CasesWithGradY))]
    public void Backward_WithDy(string id, Precision precision) =>
        LossRunner.Run(DslSuite.Get(id), precision, Op.Backward, withDy: true);

    [Theory, MemberData(nameof(CasesWithGradY))]
    public void ForwardBackward_WithDy(string id, Precision precision) =>
        LossRunner.Run(DslSuite.Get(id), precision, Op.ForwardBackward, withDy: true);

    /// <summary>The <c>ReadOnlyTensorSpan&lt;long&gt;</c> overloads of every class-index loss.</summary>
    [Theory, MemberData(nameof(ClassIndexCases))]
    public void LongTargets(string id, Precision precision)
    {
        DslCase d = DslSuite.Get(id);
        LossRunner.Run(d, precision, Op.Forward, longTargets: true);
        if (d.Case.Outputs.ContainsKey("grad_x"))
            LossRunner.Run(d, precision, Op.Backward, longTargets: true);
        LossRunner.Run(d, precision, Op.ForwardBackward, longTargets: true);
    }

    /// <summary>No reference case uses batchmean; kl_div's Sum cases scaled by 1/N are its exact values.</summary>
    [Theory, MemberData(nameof(KlDivSumCases))]
    public void BatchMean_DerivedFromSum(string sumId, Precision precision)
    {
        DslCase d = DslSuite.BatchMeanFromSum(sumId);
        LossRunner.Run(d, precision, Op.Forward);
        LossRunner.Run(d, precision, Op.Backward);
        LossRunner.Run(d, precision, Op.ForwardBackward, withDy: true);
    }

    /// <summary>
    /// The poisson_nll_loss reference was computed with eps = 0 (see DslSuite), so eps = 1e-8 is
    /// checked here against the reference corrected exactly: loss(eps) = loss(0) - y*log1p(eps/x).
    /// float64 only: the correction is below float32's tolerance.
    /// </summary>
    [Theory, MemberData(nameof(PoissonNoneCases))]
    public void PoissonEpsIsHonoured(string id)
    {
        const double eps = 1e-8;
        DslCase d = DslSuite.Get(id);
        RefCase c = d.Case;
        double[] x = c.Inputs["x"].Data, y = c.Inputs["y"].Data;
        RefTensor loss = c.Outputs["loss"];
        double[] corrected = loss.Data.Select((l, i) => l - y[i] * double.LogP1(eps / x[i])).ToArray();
        var outputs = new Dictionary<string, RefTensor> { ["loss"] = loss with { Data = corrected } };
        DslCase withEps = d with { Case = c with { Outputs = outputs }, Hyper = new Dictionary<string, double> { ["eps"] = eps } };
        LossRunner.Run(withEps, Precision.Float64, Op.Forward);
    }

    /// <summary>Silently dropping cases must not pass: the coverage of the data is stated number by number.</summary>
    [Fact]
    public void Coverage_IsExactlyAsExpected()
    {
        Assert.Equal(417, ReferenceData.All.Count);
        Assert.Equal(345, DslSuite.Covered.Count);

        var perFormula = new Dictionary<string, int>
        {
            [Formulas.CeIndex] = 22, // 21 + seed/probabilities-as-logits
            [Formulas.CeIndexSmooth] = 21,
            [Formulas.CeIndexWeighted] = 21,
            [Formulas.CeIndexWeightedSmooth] = 21,
            [Formulas.CeProb] = 13, // 12 + seed/dense_cross_entropy
            [Formulas.CeProbSmooth] = 12,
            [Formulas.CeProbWeighted] = 12,
            [Formulas.CeProbWeightedSmooth] = 12,
            [Formulas.Nll] = 22, // 21 + seed/nll_of_log_probs
            [Formulas.NllWeighted] = 21,
            [Formulas.Bce] = 12,
            [Formulas.BceWithLogits] = 12,
            [Formulas.KlDiv] = 12,
            [Formulas.KlDivLogTarget] = 12,
            [Formulas.Mse] = 12,
            [Formulas.L1] = 12,
            [Formulas.Huber] = 24,
            [Formulas.SmoothL1] = 24,
            [Formulas.PoissonLogInput] = 12,
            [Formulas.Poisson] = 12,
            [Formulas.SoftMargin] = 12,
            [Formulas.SigmoidFocal] = 12,
        };
        Assert.Equal(
            perFormula.OrderBy(p => p.Key),
            DslSuite.Covered.GroupBy(d => d.Formula).ToDictionary(g => g.Key, g => g.Count()).OrderBy(p => p.Key));

        // Class-index cases whose targets hold -100 run on the IgnoreIndex = -100 declarations.
        Assert.Equal(128, DslSuite.Covered.Count(d => d.Case.Has("t")));
        Assert.Equal(54, DslSuite.Covered.Count(d => d.IgnoreIndex));
        Assert.Equal(344, DslSuite.Covered.Count(d => d.Case.Outputs.ContainsKey("grad_x")));
        Assert.Equal(157, DslSuite.Covered.Count(d => d.Case.Outputs.ContainsKey("grad_y")));

        var skipped = ReferenceData.All.Select(DslSuite.Map).Where(m => m.Case is null)
            .GroupBy(m => m.SkipReason!).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(72, skipped.Values.Sum());
        Assert.Equal(
            new Dictionary<string, int>
            {
                ["binary_cross_entropy weight has x's shape; the language's w is per class [C]"] = 12,
                ["binary_cross_entropy_with_logits weight (x's shape) / pos_weight are not inputs of the language"] = 36,
                ["poisson_nll_loss full=True adds the Stirling term only where y > 1; the language has no condition"] = 24,
            }.OrderBy(p => p.Key),
            skipped.OrderBy(p => p.Key));
    }

    /// <summary>Every declaration in DslLosses.cs is exercised (BatchMean by the derived check).</summary>
    [Fact]
    public void Declarations_AreAllUsed()
    {
        var used = DslSuite.Covered.Select(d => d.Loss)
            .Concat(DslSuite.Covered.Where(d => d.Case.Fn == "kl_div" && d.Reduction == Reduction.Sum)
                .Select(d => DslSuite.BatchMeanFromSum(d.Id).Loss))
            .ToHashSet();
        Assert.Empty(DslSuite.Declarations.Values.Where(t => !used.Contains(t)).Select(t => t.Name));
        Assert.Equal(86, DslSuite.Declarations.Count);
    }

    private static TheoryData<string, Precision> Cases(Func<DslCase, bool> filter)
    {
        var data = new TheoryData<string, Precision>();
        foreach (DslCase d in DslSuite.Covered.Where(filter))
        {
            data.Add(d.Id, Precision.Float64);
            data.Add(d.Id, Precision.Float32);
        }
        return data;
    }
}
