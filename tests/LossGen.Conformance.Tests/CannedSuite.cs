using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;

namespace LossGen.Conformance.Tests;

/// <summary>
/// A reference case bound to the canned attribute that must reproduce it. The attribute instance holds the
/// options PyTorch's kwargs ask for; the generated class is the declaration in CannedDeclarations.cs carrying an
/// equal attribute. Canned losses have no run-time hyper-parameters: every option is compile-time.
/// </summary>
public sealed record CannedCase(RefCase Case, CannedLossAttribute Attribute, double ExpectedScale = 1) : ILossCase
{
    private static readonly IReadOnlyDictionary<string, double> s_noHyper = new Dictionary<string, double>();

    public Type Loss => CannedSuite.Declaration(Attribute);

    public Reduction Reduction => Attribute.Reduction;

    public IReadOnlyDictionary<string, double> Hyper => s_noHyper;

    public string Id => Case.Id;

    public override string ToString() => $"{Id} -> {CannedSuite.Describe(Attribute)}";
}

/// <summary>Maps every PyTorch reference case to a canned attribute with the same options. No case is skipped.</summary>
public static class CannedSuite
{
    /// <summary>The other ignore index the derived check uses (a real class for C &gt; 3, out of range for C = 3).</summary>
    public const int OtherIgnoreIndex = 3;

    /// <summary>PoissonNllLoss's default Eps (docs/getting-started.md), which the log_input = False data was not computed with.</summary>
    public const double PoissonDefaultEps = 1e-8;

    private static readonly Lazy<IReadOnlyList<CannedCase>> s_covered = new(() => ReferenceData.All.Select(Map).ToArray());
    private static readonly Lazy<IReadOnlyList<CannedCase>> s_ignore3 = new(() => Covered.Select(WithOtherIgnoreIndex).OfType<CannedCase>().ToArray());
    private static readonly Lazy<IReadOnlyList<CannedCase>> s_poissonEps = new(() => Covered.Select(WithPoissonDefaultEps).OfType<CannedCase>().ToArray());
    private static readonly Lazy<IReadOnlyDictionary<string, CannedCase>> s_byId = new(() =>
        Covered.Concat(IgnoreIndex3).Concat(PoissonEps).ToDictionary(c => c.Id));

    private static readonly Lazy<IReadOnlyDictionary<string, Type>> s_declarations = new(() =>
        typeof(CannedSuite).Assembly.GetTypes()
            .Select(t => (Type: t, Attrs: t.GetCustomAttributes<CannedLossAttribute>(inherit: false).ToArray()))
            .Where(p => p.Attrs.Length > 0)
            .Select(p => p.Attrs.Length == 1 ? p : throw new InvalidOperationException($"{p.Type.Name} carries {p.Attrs.Length} canned attributes"))
            // ToDictionary throws on a duplicate: two classes for one set of options is a mistake.
            .ToDictionary(p => Describe(p.Attrs[0]), p => p.Type));

    /// <summary>All 417 reference cases, in file order, each on its canned attribute.</summary>
    public static IReadOnlyList<CannedCase> Covered => s_covered.Value;

    /// <summary>Derived: the class-index cases that ignore -100 and have no target 3, with -100 replaced by 3, on IgnoreIndex = 3.</summary>
    public static IReadOnlyList<CannedCase> IgnoreIndex3 => s_ignore3.Value;

    /// <summary>Derived: the log_input = False poisson_nll_loss cases with the reference corrected exactly to eps = 1e-8, on the default Eps.</summary>
    public static IReadOnlyList<CannedCase> PoissonEps => s_poissonEps.Value;

    /// <summary>A case of <see cref="Covered"/>, <see cref="IgnoreIndex3"/> or <see cref="PoissonEps"/> by id.</summary>
    public static CannedCase Get(string id) => s_byId.Value[id];

    /// <summary>The declared canned classes, by <see cref="Describe"/> of their attribute.</summary>
    public static IReadOnlyDictionary<string, Type> Declarations => s_declarations.Value;

    public static Type Declaration(CannedLossAttribute attribute) =>
        Declarations.TryGetValue(Describe(attribute), out Type? type)
            ? type
            : throw new InvalidOperationException(
                $"CannedDeclarations.cs declares no class for {Describe(attribute)}; add:\n  {Describe(attribute)} public static partial class ...;");

    /// <summary>
    /// The attribute with every option spelled out, sorted by name (valid C#): <c>[HuberLoss(Delta = 2, Reduction = Reduction.Sum)]</c>.
    /// Two attributes are the same declaration exactly when these agree.
    /// </summary>
    public static string Describe(CannedLossAttribute attribute)
    {
        Type type = attribute.GetType();
        IEnumerable<string> options = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.CanWrite && p.GetIndexParameters().Length == 0)
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => $"{p.Name} = {Literal(p.GetValue(attribute))}");
        return $"[{type.Name[..^"Attribute".Length]}({string.Join(", ", options)})]";
    }

    private static string Literal(object? value) => value switch
    {
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        Enum e => $"{e.GetType().Name}.{e}",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => throw new InvalidOperationException($"unexpected option value {value}"),
    };

    public static CannedCase Map(RefCase c)
    {
        CannedLossAttribute attribute = AttributeFor(c);
        CheckInputs(c, attribute);
        return new CannedCase(c, attribute);
    }

    /// <summary>The canned attribute PyTorch's call of <paramref name="c"/> corresponds to.</summary>
    public static CannedLossAttribute AttributeFor(RefCase c, int? ignoreIndex = null, double? poissonEps = null)
    {
        bool weighted = c.Flag("weight");
        int ignore = ignoreIndex ?? (int)c.Number("ignore_index", -100);
        CannedLossAttribute attribute = c.Fn switch
        {
            "cross_entropy" => new CrossEntropyLossAttribute
            {
                Target = c.Has("t") ? TargetKind.ClassIndices : TargetKind.Probabilities,
                Weighted = weighted,
                IgnoreIndex = ignore,
                LabelSmoothing = c.Number("label_smoothing", 0.0),
            },
            "nll_loss" => new NllLossAttribute { Weighted = weighted, IgnoreIndex = ignore },
            "binary_cross_entropy" => new BinaryCrossEntropyLossAttribute { Weighted = weighted },
            "binary_cross_entropy_with_logits" => new BinaryCrossEntropyWithLogitsLossAttribute { Weighted = weighted, PosWeighted = c.Flag("pos_weight") },
            "kl_div" => new KLDivLossAttribute { LogTarget = c.Flag("log_target") },
            "mse_loss" => new MseLossAttribute(),
            "l1_loss" => new L1LossAttribute(),
            "smooth_l1_loss" => new SmoothL1LossAttribute { Beta = c.Number("beta", 1.0) },
            "huber_loss" => new HuberLossAttribute { Delta = c.Number("delta", 1.0) },
            "poisson_nll_loss" => new PoissonNllLossAttribute
            {
                LogInput = c.Flag("log_input", true),
                Full = c.Flag("full"),
                // log_input = False: the reference was computed with eps = 0, not the kwargs' 1e-8. TorchSharp 0.107
                // declares THSNN_poisson_loss's eps as float while the native side reads a double, so libtorch saw a
                // denormal; loss and gradient match x - y*log(x) to the last bit. Declare what was computed;
                // PoissonEps checks Eps = 1e-8 against the reference corrected exactly. With log_input = True eps is unused.
                Eps = c.Flag("log_input", true) ? c.Number("eps", PoissonDefaultEps) : poissonEps ?? 0.0,
            },
            "soft_margin_loss" => new SoftMarginLossAttribute(),
            "sigmoid_focal_loss" => new SigmoidFocalLossAttribute { Alpha = c.Number("alpha", 0.25), Gamma = c.Number("gamma", 2.0) },
            _ => throw new InvalidOperationException($"{c.Id}: no canned attribute for '{c.Fn}'"),
        };
        attribute.Reduction = c.Reduction switch
        {
            "none" => Reduction.None,
            "mean" => Reduction.Mean,
            "sum" => Reduction.Sum,
            "batchmean" => Reduction.BatchMean,
            var r => throw new InvalidOperationException($"{c.Id}: unknown reduction '{r}'"),
        };
        return attribute;
    }

    /// <summary>The case's inputs are exactly those docs/getting-started.md gives the attribute (x, t or y, w, posWeight).</summary>
    private static void CheckInputs(RefCase c, CannedLossAttribute a)
    {
        bool classIndex = a is NllLossAttribute or CrossEntropyLossAttribute { Target: TargetKind.ClassIndices };
        bool weighted = a switch
        {
            CrossEntropyLossAttribute ce => ce.Weighted,
            NllLossAttribute nll => nll.Weighted,
            BinaryCrossEntropyLossAttribute bce => bce.Weighted,
            BinaryCrossEntropyWithLogitsLossAttribute bcel => bcel.Weighted,
            _ => false,
        };
        bool posWeighted = a is BinaryCrossEntropyWithLogitsLossAttribute { PosWeighted: true };
        string[] expected = ["x", classIndex ? "t" : "y", .. weighted ? ["w"] : Array.Empty<string>(), .. posWeighted ? ["pos_weight"] : Array.Empty<string>()];
        if (!c.Inputs.Keys.Order().SequenceEqual(expected.Order()))
            throw new InvalidOperationException($"{c.Id}: inputs ({string.Join(", ", c.Inputs.Keys)}) do not fit {Describe(a)} ({string.Join(", ", expected)})");
    }

    /// <summary>
    /// PyTorch's result does not depend on which value marks ignored positions, only on which positions it marks:
    /// with -100 replaced by 3 and ignore_index = 3 the reference outputs are unchanged, provided no target was 3.
    /// </summary>
    private static CannedCase? WithOtherIgnoreIndex(CannedCase c)
    {
        if (!c.Case.Inputs.TryGetValue("t", out RefTensor? t) || !t.Data.Contains(-100) || t.Data.Contains(OtherIgnoreIndex))
            return null;
        var inputs = new Dictionary<string, RefTensor>(c.Case.Inputs)
        {
            ["t"] = t with { Data = t.Data.Select(v => v == -100 ? OtherIgnoreIndex : v).ToArray() },
        };
        RefCase derived = c.Case with { Id = $"{c.Id} @IgnoreIndex={OtherIgnoreIndex}", Inputs = inputs };
        return new CannedCase(derived, AttributeFor(c.Case, ignoreIndex: OtherIgnoreIndex));
    }

    /// <summary>
    /// log_input = False with eps: loss(eps) = x - y*log(x + eps) (+ Stirling, which does not involve x), so from the
    /// eps = 0 reference: loss(eps) = loss(0) - y*log1p(eps/x) and dloss/dx(eps) = dloss/dx(0) + y*eps/(x*(x + eps)),
    /// each position weighted as the reduction weights it (grad_output per position, /n for mean).
    /// </summary>
    private static CannedCase? WithPoissonDefaultEps(CannedCase c)
    {
        RefCase r = c.Case;
        if (r.Fn != "poisson_nll_loss" || r.Flag("log_input", true))
            return null;
        const double eps = PoissonDefaultEps;
        double[] x = r.Inputs["x"].Data, y = r.Inputs["y"].Data;
        double[] lossShift = x.Select((xi, i) => -y[i] * double.LogP1(eps / xi)).ToArray();
        double[] gradShift = x.Select((xi, i) => y[i] * eps / (xi * (xi + eps))).ToArray();
        double[] upstream = r.Reduction switch
        {
            "none" => r.GradOutput.Data,
            "sum" => Enumerable.Repeat(r.GradOutput.Data[0], x.Length).ToArray(),
            "mean" => Enumerable.Repeat(r.GradOutput.Data[0] / x.Length, x.Length).ToArray(),
            var red => throw new InvalidOperationException($"{r.Id}: reduction {red}"),
        };
        RefTensor loss = r.Outputs["loss"], gradX = r.Outputs["grad_x"];
        double[] correctedLoss = r.Reduction switch
        {
            "none" => loss.Data.Select((l, i) => l + lossShift[i]).ToArray(),
            "sum" => [loss.Data[0] + lossShift.Sum()],
            _ => [loss.Data[0] + lossShift.Sum() / x.Length],
        };
        var outputs = new Dictionary<string, RefTensor>
        {
            ["loss"] = loss with { Data = correctedLoss },
            ["grad_x"] = gradX with { Data = gradX.Data.Select((g, i) => g + upstream[i] * gradShift[i]).ToArray() },
        };
        RefCase derived = r with { Id = $"{r.Id} @Eps={eps:R}", Outputs = outputs };
        return new CannedCase(derived, AttributeFor(r, poissonEps: eps));
    }
}
