using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using LossGen.Conformance.Tests.Dsl;

namespace LossGen.Conformance.Tests;

/// <summary>
/// A reference case bound to the expression-language declaration that must reproduce it.
/// <paramref name="ExpectedScale"/> multiplies the reference loss and gradients (1 except for derived checks).
/// </summary>
public sealed record DslCase(
    RefCase Case,
    string Formula,
    Reduction Reduction,
    bool IgnoreIndex,
    IReadOnlyDictionary<string, double> Hyper,
    double ExpectedScale = 1) : ILossCase
{
    /// <summary>The declared class in DslLosses.cs with this formula, reduction and ignore index.</summary>
    public Type Loss => DslSuite.Declaration(Formula, Reduction, IgnoreIndex);

    public string Id => Case.Id;
}

/// <summary>Maps PyTorch reference cases to expression-language losses, or says why a case cannot be written in the language.</summary>
public static class DslSuite
{
    /// <summary>The ignore index of every class-index declaration that ignores (PyTorch's default).</summary>
    public const int IgnoreIndexValue = -100;

    private static readonly Lazy<IReadOnlyList<DslCase>> s_covered = new(() =>
        ReferenceData.All.Select(c => Map(c).Case).OfType<DslCase>().ToArray());

    private static readonly Lazy<IReadOnlyDictionary<string, DslCase>> s_byId = new(() => Covered.ToDictionary(d => d.Id));

    private static readonly Lazy<IReadOnlyDictionary<(string, Reduction, bool), Type>> s_declarations = new(() =>
        typeof(Formulas).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(Formulas).Namespace) // other tests declare losses of their own
            .Select(t => (Type: t, Attr: t.GetCustomAttribute<LossAttribute>()))
            .Where(p => p.Attr is not null)
            // ToDictionary throws on a duplicate: two classes for one combination is a mistake.
            .ToDictionary(p => (p.Attr!.Expression, p.Attr.Reduction, p.Attr.IgnoreIndex == IgnoreIndexValue), p => p.Type));

    /// <summary>Every reference case the expression language can express, in file order.</summary>
    public static IReadOnlyList<DslCase> Covered => s_covered.Value;

    public static DslCase Get(string id) => s_byId.Value[id];

    /// <summary>All declared expression-language classes, by (formula, reduction, ignores -100).</summary>
    public static IReadOnlyDictionary<(string Formula, Reduction Reduction, bool Ignore), Type> Declarations => s_declarations.Value;

    public static Type Declaration(string formula, Reduction reduction, bool ignore) =>
        Declarations.TryGetValue((formula, reduction, ignore), out var type)
            ? type
            : throw new InvalidOperationException($"DslLosses.cs declares no class for \"{formula}\", Reduction.{reduction}, ignore={ignore}");

    /// <summary>
    /// The declaration for a case, or the reason the language cannot express it.
    /// Hyper-parameter values come from the case's kwargs and are passed at call time.
    /// </summary>
    public static (DslCase? Case, string? SkipReason) Map(RefCase c)
    {
        Reduction reduction = c.Reduction switch
        {
            "none" => Reduction.None,
            "mean" => Reduction.Mean,
            "sum" => Reduction.Sum,
            "batchmean" => Reduction.BatchMean,
            var r => throw new InvalidOperationException($"{c.Id}: unknown reduction '{r}'"),
        };
        var noHyper = new Dictionary<string, double>();
        double ls = c.Number("label_smoothing", 0);
        var smoothing = new Dictionary<string, double> { ["ls"] = ls };
        bool weighted = c.Flag("weight");

        (string Formula, IReadOnlyDictionary<string, double> Hyper)? formula = c.Fn switch
        {
            "cross_entropy" when c.Has("t") => (weighted, ls != 0) switch
            {
                (false, false) => (Formulas.CeIndex, noHyper),
                (false, true) => (Formulas.CeIndexSmooth, smoothing),
                (true, false) => (Formulas.CeIndexWeighted, noHyper),
                (true, true) => (Formulas.CeIndexWeightedSmooth, smoothing),
            },
            "cross_entropy" => (weighted, ls != 0) switch
            {
                (false, false) => (Formulas.CeProb, noHyper),
                (false, true) => (Formulas.CeProbSmooth, smoothing),
                (true, false) => (Formulas.CeProbWeighted, noHyper),
                (true, true) => (Formulas.CeProbWeightedSmooth, smoothing),
            },
            "nll_loss" => (weighted ? Formulas.NllWeighted : Formulas.Nll, noHyper),
            "binary_cross_entropy" when weighted => null,
            "binary_cross_entropy" => (Formulas.Bce, noHyper),
            "binary_cross_entropy_with_logits" when weighted || c.Flag("pos_weight") => null,
            "binary_cross_entropy_with_logits" => (Formulas.BceWithLogits, noHyper),
            "kl_div" => (c.Flag("log_target") ? Formulas.KlDivLogTarget : Formulas.KlDiv, noHyper),
            "mse_loss" => (Formulas.Mse, noHyper),
            "l1_loss" => (Formulas.L1, noHyper),
            "huber_loss" => (Formulas.Huber, new Dictionary<string, double> { ["delta"] = c.Number("delta", 1.0) }),
            "smooth_l1_loss" => (Formulas.SmoothL1, new Dictionary<string, double> { ["beta"] = c.Number("beta", 1.0) }),
            "poisson_nll_loss" when c.Flag("full") => null,
            "poisson_nll_loss" when c.Flag("log_input", true) => (Formulas.PoissonLogInput, noHyper),
            // The reference was computed with eps = 0, not the kwargs' 1e-8: TorchSharp 0.107 declares
            // THSNN_poisson_loss's eps as float while the native side reads a double, so libtorch sees a
            // denormal. Loss and gradient match x - y*log(x) to the last bit. Pass what was computed;
            // DslConformanceTests.PoissonEpsIsHonoured checks eps = 1e-8 separately.
            "poisson_nll_loss" => (Formulas.Poisson, new Dictionary<string, double> { ["eps"] = 0.0 }),
            "soft_margin_loss" => (Formulas.SoftMargin, noHyper),
            "sigmoid_focal_loss" when c.Number("alpha", 0.25) < 0 => null,
            "sigmoid_focal_loss" => (Formulas.SigmoidFocal, new Dictionary<string, double>
            {
                ["alpha"] = c.Number("alpha", 0.25),
                ["gamma"] = c.Number("gamma", 2.0),
            }),
            _ => throw new InvalidOperationException($"{c.Id}: no mapping for '{c.Fn}'"),
        };
        if (formula is not { } f)
            return (null, SkipReason(c));

        bool ignore = false;
        if (c.Inputs.TryGetValue("t", out var t))
        {
            double ignoreIndex = c.Number("ignore_index", IgnoreIndexValue);
            ignore = t.Data.Contains(ignoreIndex);
            if (ignore && ignoreIndex != IgnoreIndexValue)
                return (null, $"ignore_index {ignoreIndex} is not declared (only {IgnoreIndexValue})");
        }
        return (new DslCase(c, f.Formula, reduction, ignore, f.Hyper), null);
    }

    private static string SkipReason(RefCase c) => c.Fn switch
    {
        "binary_cross_entropy" => "binary_cross_entropy weight has x's shape; the language's w is per class [C]",
        "binary_cross_entropy_with_logits" => "binary_cross_entropy_with_logits weight (x's shape) / pos_weight are not inputs of the language",
        "poisson_nll_loss" => "poisson_nll_loss full=True adds the Stirling term only where y > 1; the language has no condition",
        "sigmoid_focal_loss" => "sigmoid_focal_loss with alpha < 0 drops the alpha term (needs another formula)",
        _ => throw new InvalidOperationException($"{c.Id}: no skip reason"),
    };

    /// <summary>
    /// A derived check of <see cref="Reduction.BatchMean"/>, which no reference case uses: PyTorch's
    /// batchmean is the sum divided by x's size on axis 0, so a kl_div Sum case scaled by 1/N is exact.
    /// </summary>
    public static DslCase BatchMeanFromSum(string sumCaseId)
    {
        DslCase sum = Get(sumCaseId);
        if (sum.Reduction != Reduction.Sum || sum.Case.Fn != "kl_div")
            throw new ArgumentException($"{sumCaseId} is not a kl_div Sum case", nameof(sumCaseId));
        return sum with { Reduction = Reduction.BatchMean, ExpectedScale = 1.0 / sum.Case.Inputs["x"].Shape[0] };
    }
}
