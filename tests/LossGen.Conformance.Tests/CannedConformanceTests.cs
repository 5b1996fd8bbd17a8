using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Xunit;

namespace LossGen.Conformance.Tests;

/// <summary>
/// Every one of the 417 PyTorch reference cases run through the canned attribute with the same options
/// (CannedDeclarations.cs): Forward, Backward, ForwardBackward, the dy overloads where PyTorch differentiates
/// the target, and the long-target overloads, in float64 and float32.
/// </summary>
public sealed class CannedConformanceTests
{
    public static TheoryData<string, Precision> AllCases => Cases(CannedSuite.Covered, _ => true);
    public static TheoryData<string, Precision> CasesWithGradX => Cases(CannedSuite.Covered, c => c.Case.Outputs.ContainsKey("grad_x"));
    public static TheoryData<string, Precision> CasesWithGradY => Cases(CannedSuite.Covered, c => c.Case.Outputs.ContainsKey("grad_y"));
    public static TheoryData<string, Precision> ClassIndexCases => Cases(CannedSuite.Covered, c => c.Case.Has("t"));
    public static TheoryData<string, Precision> IgnoreIndex3Cases => Cases(CannedSuite.IgnoreIndex3, _ => true);
    public static TheoryData<string> PoissonEpsCases => [.. CannedSuite.PoissonEps.Select(c => c.Id)];

    [Theory, MemberData(nameof(AllCases))]
    public void Forward(string id, Precision precision) =>
        LossRunner.Run(CannedSuite.Get(id), precision, Op.Forward);

    [Theory, MemberData(nameof(CasesWithGradX))]
    public void Backward(string id, Precision precision) =>
        LossRunner.Run(CannedSuite.Get(id), precision, Op.Backward);

    [Theory, MemberData(nameof(AllCases))]
    public void ForwardBackward(string id, Precision precision) =>
        LossRunner.Run(CannedSuite.Get(id), precision, Op.ForwardBackward);

    [Theory, MemberData(nameof(CasesWithGradY))]
    public void Backward_WithDy(string id, Precision precision) =>
        LossRunner.Run(CannedSuite.Get(id), precision, Op.Backward, withDy: true);

    [Theory, MemberData(nameof(CasesWithGradY))]
    public void ForwardBackward_WithDy(string id, Precision precision) =>
        LossRunner.Run(CannedSuite.Get(id), precision, Op.ForwardBackward, withDy: true);

    /// <summary>The <c>ReadOnlyTensorSpan&lt;long&gt;</c> overloads of every class-index case.</summary>
    [Theory, MemberData(nameof(ClassIndexCases))]
    public void LongTargets(string id, Precision precision) => RunAll(CannedSuite.Get(id), precision, longTargets: true);

    /// <summary>
    /// IgnoreIndex = 3: each reference case that ignores -100 and has no target 3, with -100 replaced by 3.
    /// PyTorch's outputs depend only on which positions are ignored, so the reference outputs stand unchanged.
    /// </summary>
    [Theory, MemberData(nameof(IgnoreIndex3Cases))]
    public void IgnoreIndex3_DerivedFromData(string id, Precision precision)
    {
        CannedCase c = CannedSuite.Get(id);
        RunAll(c, precision);
        RunAll(c, precision, longTargets: true);
    }

    /// <summary>
    /// PoissonNllLoss(LogInput = false) with its default Eps = 1e-8, against the eps = 0 reference corrected exactly
    /// (CannedSuite.PoissonEps). float64 only: the correction is below float32's tolerance. The check has teeth: the
    /// Eps = 0 class misses the corrected loss and gradient.
    /// </summary>
    [Theory, MemberData(nameof(PoissonEpsCases))]
    public void PoissonDefaultEps(string id)
    {
        CannedCase c = CannedSuite.Get(id);
        Assert.Equal(CannedSuite.PoissonDefaultEps, ((PoissonNllLossAttribute)c.Attribute).Eps);
        Assert.Equal(CannedSuite.PoissonDefaultEps, new PoissonNllLossAttribute().Eps);
        RunAll(c, Precision.Float64);

        var eps0 = new CannedCase(c.Case, CannedSuite.AttributeFor(ReferenceData.Get(c.Id[..c.Id.IndexOf(" @", StringComparison.Ordinal)])));
        Assert.Equal(0.0, ((PoissonNllLossAttribute)eps0.Attribute).Eps);
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => LossRunner.Run(eps0, Precision.Float64, Op.Forward));
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => LossRunner.Run(eps0, Precision.Float64, Op.Backward));
    }

    /// <summary>dy overloads exist exactly where PyTorch differentiates the target (where the reference has grad_y).</summary>
    [Fact]
    public void DyOverloads_ExactlyWhereTheReferenceHasGradY()
    {
        var problems = new List<string>();
        foreach (var group in CannedSuite.Covered.GroupBy(c => c.Loss))
        {
            bool referenceHasGradY = group.All(c => c.Case.Outputs.ContainsKey("grad_y"));
            if (!referenceHasGradY && group.Any(c => c.Case.Outputs.ContainsKey("grad_y")))
                problems.Add($"{group.Key.Name}: grad_y in some cases only");
            bool hasDy = HasDyOverload(group.Key);
            if (hasDy != referenceHasGradY)
                problems.Add($"{group.Key.Name}: dy overloads {(hasDy ? "present" : "absent")}, reference grad_y {(referenceHasGradY ? "present" : "absent")}");
        }
        Assert.Empty(problems);

        // By family (docs/getting-started.md): the target is differentiated by soft-label cross entropy, BCE with logits, KL and the
        // regression losses; not by binary_cross_entropy, poisson_nll_loss, soft_margin_loss, sigmoid_focal_loss.
        foreach (var (name, type) in CannedSuite.Declarations)
        {
            CannedLossAttribute a = type.GetCustomAttribute<CannedLossAttribute>()!;
            bool expected = a is CrossEntropyLossAttribute { Target: TargetKind.Probabilities }
                or BinaryCrossEntropyWithLogitsLossAttribute or KLDivLossAttribute
                or MseLossAttribute or L1LossAttribute or SmoothL1LossAttribute or HuberLossAttribute;
            Assert.True(expected == HasDyOverload(type), $"{type.Name} {name}: dy overloads expected {expected}");
        }
    }

    /// <summary>Silently dropping cases must not pass: all 417 cases run through the canned attributes, none skipped.</summary>
    [Fact]
    public void Coverage_AllCases_NoSkips()
    {
        Assert.Equal(417, ReferenceData.All.Count);
        Assert.Equal(417, CannedSuite.Covered.Count);
        Assert.Equal(ReferenceData.All.Select(c => c.Id), CannedSuite.Covered.Select(c => c.Id));
        Assert.Equal(417, CannedSuite.Covered.Select(c => c.Id).Distinct().Count());

        // Every case resolves to a declared class (throws with the declaration to add otherwise).
        Assert.All(CannedSuite.Covered, c => Assert.NotNull(c.Loss));

        var perAttribute = CannedSuite.Covered.GroupBy(c => c.Attribute.GetType().Name).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(
            new Dictionary<string, int>
            {
                [nameof(CrossEntropyLossAttribute)] = 85 + 49, // 84 index + seed/probabilities-as-logits; 48 prob + seed/dense_cross_entropy
                [nameof(NllLossAttribute)] = 43,               // 42 + seed/nll_of_log_probs
                [nameof(BinaryCrossEntropyLossAttribute)] = 24,
                [nameof(BinaryCrossEntropyWithLogitsLossAttribute)] = 48,
                [nameof(KLDivLossAttribute)] = 24,
                [nameof(MseLossAttribute)] = 12,
                [nameof(L1LossAttribute)] = 12,
                [nameof(SmoothL1LossAttribute)] = 24,
                [nameof(HuberLossAttribute)] = 24,
                [nameof(PoissonNllLossAttribute)] = 48,
                [nameof(SoftMarginLossAttribute)] = 12,
                [nameof(SigmoidFocalLossAttribute)] = 12,
            }.OrderBy(p => p.Key),
            perAttribute.OrderBy(p => p.Key));

        Assert.Equal(128, CannedSuite.Covered.Count(c => c.Case.Has("t")));
        Assert.Equal(54, CannedSuite.Covered.Count(c => c.Case.Inputs.TryGetValue("t", out var t) && t.Data.Contains(-100)));
        Assert.Equal(416, CannedSuite.Covered.Count(c => c.Case.Outputs.ContainsKey("grad_x"))); // seed/nll_of_log_probs has loss only
        Assert.Equal(193, CannedSuite.Covered.Count(c => c.Case.Outputs.ContainsKey("grad_y")));
        Assert.Equal(24, CannedSuite.Covered.Count(c => c.Case.Has("pos_weight")));

        // Derived checks.
        Assert.Equal(32, CannedSuite.IgnoreIndex3.Count);
        Assert.Equal(24, CannedSuite.PoissonEps.Count);
    }

    /// <summary>Every declaration in CannedDeclarations.cs is exercised (by the data, a derived check or a corner test).</summary>
    [Fact]
    public void Declarations_AreAllUsed()
    {
        var used = CannedSuite.Covered.Concat(CannedSuite.IgnoreIndex3).Concat(CannedSuite.PoissonEps).Select(c => c.Loss).ToHashSet();
        Assert.Empty(CannedSuite.Declarations.Values.Where(t => !used.Contains(t)).Select(t => t.Name));
        Assert.Equal(90, CannedSuite.Covered.Select(c => c.Loss).Distinct().Count());
        Assert.Equal(90 + 18 + 6, CannedSuite.Declarations.Count);
    }

    /// <summary>The option defaults docs/getting-started.md and PyTorch give, on the runtime attributes (the declarations omit them).</summary>
    [Fact]
    public void AttributeDefaults_AreApiMds()
    {
        var ce = new CrossEntropyLossAttribute();
        Assert.Equal((Reduction.Mean, 0, 1, TargetKind.ClassIndices, false, -100, 0.0),
            (ce.Reduction, ce.Classes, ce.ClassAxis, ce.Target, ce.Weighted, ce.IgnoreIndex, ce.LabelSmoothing));
        var nll = new NllLossAttribute();
        Assert.Equal((Reduction.Mean, false, -100), (nll.Reduction, nll.Weighted, nll.IgnoreIndex));
        Assert.False(new BinaryCrossEntropyLossAttribute().Weighted);
        Assert.Equal((false, false), (new BinaryCrossEntropyWithLogitsLossAttribute().Weighted, new BinaryCrossEntropyWithLogitsLossAttribute().PosWeighted));
        Assert.False(new KLDivLossAttribute().LogTarget);
        Assert.Equal(1.0, new SmoothL1LossAttribute().Beta);
        Assert.Equal(1.0, new HuberLossAttribute().Delta);
        var poisson = new PoissonNllLossAttribute();
        Assert.Equal((true, false, 1e-8), (poisson.LogInput, poisson.Full, poisson.Eps));
        var focal = new SigmoidFocalLossAttribute();
        Assert.Equal((0.25, 2.0), (focal.Alpha, focal.Gamma));
        Assert.Equal(1.0, new HingeEmbeddingLossAttribute().Margin);
        Assert.Equal(0.0, new MarginRankingLossAttribute().Margin);
        Assert.Equal(0.0, new CosineEmbeddingLossAttribute().Margin);
        var multiMargin = new MultiMarginLossAttribute();
        Assert.Equal((Reduction.Mean, 1, 1.0, false, 0, 1), (multiMargin.Reduction, multiMargin.P, multiMargin.Margin, multiMargin.Weighted, multiMargin.Classes, multiMargin.ClassAxis));
        Assert.False(new MultiLabelSoftMarginLossAttribute().Weighted);
        Assert.Equal(Reduction.Mean, new MseLossAttribute().Reduction);
    }

    internal static bool HasDyOverload(Type loss) =>
        loss.GetMethods(BindingFlags.Public | BindingFlags.Static).Any(m => m.GetParameters().Any(p => p.Name == "dy"));

    /// <summary>Forward, Backward (where the reference has grad_x), ForwardBackward, and the dy overloads where it has grad_y.</summary>
    internal static void RunAll(ILossCase c, Precision precision, bool longTargets = false)
    {
        LossRunner.Run(c, precision, Op.Forward, longTargets: longTargets);
        if (c.Case.Outputs.ContainsKey("grad_x"))
            LossRunner.Run(c, precision, Op.Backward, longTargets: longTargets);
        LossRunner.Run(c, precision, Op.ForwardBackward, longTargets: longTargets);
        if (c.Case.Outputs.ContainsKey("grad_y"))
        {
            LossRunner.Run(c, precision, Op.Backward, withDy: true, longTargets: longTargets);
            LossRunner.Run(c, precision, Op.ForwardBackward, withDy: true, longTargets: longTargets);
        }
    }

    private static TheoryData<string, Precision> Cases(IEnumerable<CannedCase> cases, Func<CannedCase, bool> filter)
    {
        var data = new TheoryData<string, Precision>();
        foreach (CannedCase c in cases.Where(filter))
        {
            data.Add(c.Id, Precision.Float64);
            data.Add(c.Id, Precision.Float32);
        }
        return data;
    }
}
