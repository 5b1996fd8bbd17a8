using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using LossGen.Generator.Ir;
using LossGen.Generator.Model;
using LossGen.Generator.Semantics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LossGen.Generator.Canned;

/// <summary>An option of a canned attribute: its name, default and meaning.</summary>
internal sealed record CannedOption(string Name, object Default, string Doc);

/// <summary>What a canned loss lowers to for one set of options: a formula of the language and its inputs.</summary>
internal sealed record CannedForm(string Expression, IReadOnlyList<InputDecl> Inputs, int? ClassAxis = null, int? IgnoreIndex = null, string? Error = null)
{
    /// <summary>A runtime kernel instead of an expression (<see cref="LossSpec.Kernel"/>), with its options.</summary>
    public string Kernel { get; init; } = string.Empty;

    public IReadOnlyList<ParameterSpec> KernelOptions { get; init; } = Array.Empty<ParameterSpec>();

    /// <summary>A second form chosen at run time where <see cref="VariantCondition"/> holds (<see cref="LossSpec.Variant"/>).</summary>
    public CannedForm? Variant { get; init; }

    public string VariantCondition { get; init; } = string.Empty;
}

/// <summary>A PyTorch loss as a formula of the language plus options. Nothing else: no canned loss has a kernel of its own.</summary>
internal sealed record CannedLoss(string Attribute, string PyTorch, bool OverClasses, IReadOnlyList<CannedOption> Options, Func<Func<string, object>, CannedForm> Lower);

/// <summary>
/// The PyTorch loss catalogue. Each entry turns the attribute's options into a formula of the expression language, which
/// the same compiler as <c>[Loss]</c> binds, differentiates and emits. docs/losses.md is rendered from these entries.
/// </summary>
internal static class CannedLosses
{
    private const InputLayout LikeX = InputLayout.LikeX;
    private const InputLayout PerClass = InputLayout.PerClass;
    private const InputLayout PerRow = InputLayout.PerRow;

    private static readonly InputDecl Logits = new("x", LikeX, true, "logits");

    public static readonly IReadOnlyList<CannedLoss> All = new[]
    {
        new CannedLoss("CrossEntropyLoss", "torch.nn.functional.cross_entropy", true,
            new[]
            {
                new CannedOption("Target", 0, "TargetKind.ClassIndices (t) or TargetKind.Probabilities (y)"),
                new CannedOption("Weighted", false, "per-class weights w of shape [C]; Mean divides by the sum of w[t] for class indices"),
                new CannedOption("IgnoreIndex", -100, "class indices equal to it add no loss and are not counted"),
                new CannedOption("LabelSmoothing", 0.0, "mixes the target with the uniform distribution: (1 - ls) * target + ls / C"),
            },
            o =>
            {
                double ls = (double)o("LabelSmoothing");
                bool weighted = (bool)o("Weighted");
                var inputs = new List<InputDecl> { Logits };
                if (ls < 0 || ls > 1)
                {
                    return new CannedForm(string.Empty, inputs, Error: $"LabelSmoothing = {Plain(ls)} is outside [0, 1]");
                }

                if ((int)o("Target") == 1)
                {
                    inputs.Add(new InputDecl("y", LikeX, true, "target probabilities"));
                    AddWeight(inputs, weighted, PerClass);
                    string wy = weighted ? "w * y" : "y";
                    string wl = weighted ? "w * lsm" : "lsm";
                    return new CannedForm(ls == 0
                        ? $"-sum({wy} * log_softmax(x))"
                        : $"lsm = log_softmax(x); -{Number(1 - ls)} * sum({wy} * lsm) - {Number(ls)} * mean({wl})", inputs);
                }

                AddWeight(inputs, weighted, PerClass);
                string nll = weighted ? "w[t] * (lse - x[t])" : ls == 0 ? "lse - x[t]" : "(lse - x[t])";
                string smooth = weighted ? "mean(w * (lse - x))" : "mean(lse - x)";
                string perPosition = ls == 0 ? nll : $"{Number(1 - ls)} * {nll} + {Number(ls)} * {smooth}";
                string body = weighted ? $"mean_by({perPosition}, w[t])" : perPosition;
                return new CannedForm($"lse = logsumexp(x); {body}", inputs, IgnoreIndex: (int)o("IgnoreIndex"));
            }),

        new CannedLoss("NllLoss", "torch.nn.functional.nll_loss", true,
            new[]
            {
                new CannedOption("Weighted", false, "per-class weights w of shape [C]; Mean divides by the sum of w[t]"),
                new CannedOption("IgnoreIndex", -100, "class indices equal to it add no loss and are not counted"),
            },
            o =>
            {
                var inputs = new List<InputDecl> { new("x", LikeX, true, "log-probabilities") };
                bool weighted = (bool)o("Weighted");
                AddWeight(inputs, weighted, PerClass);
                return new CannedForm(weighted ? "mean_by(-w[t] * x[t], w[t])" : "-x[t]", inputs, IgnoreIndex: (int)o("IgnoreIndex"));
            }),

        new CannedLoss("BinaryCrossEntropyLoss", "torch.nn.functional.binary_cross_entropy", false,
            new[] { new CannedOption("Weighted", false, "elementwise weights w with x's shape") },
            o =>
            {
                var inputs = new List<InputDecl> { new("x", LikeX, true, "probabilities"), new("y", LikeX, false, "targets in [0, 1]") };
                bool weighted = (bool)o("Weighted");
                AddWeight(inputs, weighted, LikeX);
                return new CannedForm(weighted ? "w * bce(x, y)" : "bce(x, y)", inputs);
            }),

        new CannedLoss("BinaryCrossEntropyWithLogitsLoss", "torch.nn.functional.binary_cross_entropy_with_logits", false,
            new[]
            {
                new CannedOption("Weighted", false, "elementwise weights w with x's shape"),
                new CannedOption("PosWeighted", false, "positive-class weights posWeight along the last axis of x"),
            },
            o =>
            {
                var inputs = new List<InputDecl> { Logits, new("y", LikeX, true, "targets in [0, 1]") };
                bool weighted = (bool)o("Weighted");
                bool posWeighted = (bool)o("PosWeighted");
                AddWeight(inputs, weighted, LikeX);
                string core = "softplus(x) - x * y";
                if (posWeighted)
                {
                    inputs.Add(new InputDecl("posWeight", PerClass, false, "positive-class weights along the last axis"));
                    core = "(1 - y) * x + (1 + (posWeight - 1) * y) * softplus(-x)";
                }

                return new CannedForm(weighted ? $"w * ({core})" : core, inputs, ClassAxis: posWeighted ? -1 : null);
            }),

        new CannedLoss("KLDivLoss", "torch.nn.functional.kl_div", false,
            new[] { new CannedOption("LogTarget", false, "y holds log-probabilities") },
            o => (bool)o("LogTarget")
                ? new CannedForm("exp(y) * (y - x)", new[] { new InputDecl("x", LikeX, true, "log-probabilities"), new InputDecl("y", LikeX, true, "target log-probabilities") })
                : new CannedForm("xlogy(y, y) - y * x", new[] { new InputDecl("x", LikeX, true, "log-probabilities"), new InputDecl("y", LikeX, true, "target probabilities") })),

        new CannedLoss("MseLoss", "torch.nn.functional.mse_loss", false, Array.Empty<CannedOption>(),
            o => new CannedForm("(x - y)^2", Values())),

        new CannedLoss("L1Loss", "torch.nn.functional.l1_loss", false, Array.Empty<CannedOption>(),
            o => new CannedForm("abs(x - y)", Values())),

        new CannedLoss("SmoothL1Loss", "torch.nn.functional.smooth_l1_loss", false,
            new[] { new CannedOption("Beta", 1.0, "where the loss turns from quadratic to linear; 0 is L1") },
            o =>
            {
                double beta = (double)o("Beta");
                if (beta < 0)
                {
                    return new CannedForm(string.Empty, Values(), Error: $"Beta = {Plain(beta)} is negative");
                }

                return new CannedForm(beta == 0 ? "abs(x - y)" : $"d = abs(x - y); m = min(d, {Number(beta)}); 0.5 * m^2 / {Number(beta)} + d - m", Values());
            }),

        new CannedLoss("HuberLoss", "torch.nn.functional.huber_loss", false,
            new[] { new CannedOption("Delta", 1.0, "where the loss turns from quadratic to linear") },
            o =>
            {
                double delta = (double)o("Delta");
                if (delta <= 0)
                {
                    return new CannedForm(string.Empty, Values(), Error: $"Delta = {Plain(delta)} is not positive");
                }

                string d = Number(delta);
                return new CannedForm($"a = abs(x - y); m = min(a, {d}); 0.5 * m^2 + {d} * (a - m)", Values());
            }),

        new CannedLoss("PoissonNllLoss", "torch.nn.functional.poisson_nll_loss", false,
            new[]
            {
                new CannedOption("LogInput", true, "x is the log of the rate"),
                new CannedOption("Full", false, "adds Stirling's approximation term where y > 1"),
                new CannedOption("Eps", 1e-8, "added inside the log when LogInput is false"),
            },
            o =>
            {
                var inputs = new[] { new InputDecl("x", LikeX, true, (bool)o("LogInput") ? "log-rates" : "rates"), new InputDecl("y", LikeX, false, "counts") };
                string core = (bool)o("LogInput") ? "exp(x) - y * x" : $"x - y * log(x + {Number((double)o("Eps"))})";
                return new CannedForm((bool)o("Full") ? core + " + stirling(y)" : core, inputs);
            }),

        new CannedLoss("SoftMarginLoss", "torch.nn.functional.soft_margin_loss", false, Array.Empty<CannedOption>(),
            o => new CannedForm("softplus(-x * y)", new[] { Logits, new InputDecl("y", LikeX, false, "targets, +1 or -1") })),

        new CannedLoss("HingeEmbeddingLoss", "torch.nn.functional.hinge_embedding_loss", false,
            new[] { new CannedOption("Margin", 1.0, "the margin of the y = -1 term, max(0, margin - x)") },
            o =>
            {
                // As PyTorch: the margin term where y != 1, x itself where y != -1 (both for any other y); the clamp at
                // 0 passes the gradient at x = margin.
                string m = Number((double)o("Margin"));
                return new CannedForm($"where(y != 1, where(x > {m}, 0, {m} - x), 0) + where(y != -1, x, 0)",
                    new[] { new InputDecl("x", LikeX, true, "distances"), new InputDecl("y", LikeX, false, "labels, +1 or -1") });
            }),

        new CannedLoss("MarginRankingLoss", "torch.nn.functional.margin_ranking_loss", false,
            new[] { new CannedOption("Margin", 0.0, "how far x must rank above y (label +1) or below it (label -1)") },
            o => new CannedForm($"d = -label * (x - y){Plus((double)o("Margin"))}; where(d < 0, 0, d)",
                new[] { new InputDecl("x", LikeX, true, "first scores"), new InputDecl("y", LikeX, true, "second scores"), new InputDecl("label", LikeX, false, "labels, +1 (x ranks higher) or -1") })),

        new CannedLoss("CosineEmbeddingLoss", "torch.nn.functional.cosine_embedding_loss", false,
            new[] { new CannedOption("Margin", 0.0, "pairs labelled -1 add max(0, cos - margin)") },
            o =>
            {
                // As PyTorch: 1e-12 added to each squared norm; the clamp passes the gradient at cos = margin.
                string m = Number((double)o("Margin"));
                return new CannedForm(
                    $"cos = sum(x * y) / sqrt((sum(x * x) + 1e-12) * (sum(y * y) + 1e-12)); where(label == 1, 1 - cos, 0) + where(label == -1, where(cos < {m}, 0, cos{Plus(-(double)o("Margin"))}), 0)",
                    new[] { new InputDecl("x", LikeX, true, "first embeddings"), new InputDecl("y", LikeX, true, "second embeddings"), new InputDecl("label", PerRow, false, "labels, +1 (similar) or -1 (dissimilar), one per pair") },
                    ClassAxis: -1);
            }),

        new CannedLoss("MultiMarginLoss", "torch.nn.functional.multi_margin_loss", true,
            new[]
            {
                new CannedOption("P", 1, "1: the hinge max(0, margin - x[t] + x[c]); 2: its square"),
                new CannedOption("Margin", 1.0, "the margin by which x[t] must exceed every other class"),
                new CannedOption("Weighted", false, "per-class weights w of shape [C]: each position's term times w[t] (Mean still divides by the count)"),
            },
            o =>
            {
                int p = (int)o("P");
                var inputs = new List<InputDecl> { new("x", LikeX, true, "scores") };
                bool weighted = (bool)o("Weighted");
                AddWeight(inputs, weighted, PerClass);
                if (p is not (1 or 2))
                {
                    return new CannedForm(string.Empty, inputs, Error: $"P = {p.ToString(CultureInfo.InvariantCulture)} is not 1 or 2");
                }

                // Every class but the target, each divided by C; relu's gradient is 0 at the kink, as PyTorch's kernel.
                string hinge = p == 1 ? "relu(z)" : "relu(z)^2";
                string body = $"mean((1 - one_hot(t)) * {hinge})";
                return new CannedForm($"z = {Number((double)o("Margin"))} - x[t] + x; {(weighted ? "w[t] * " + body : body)}", inputs);
            }),

        new CannedLoss("MultiLabelSoftMarginLoss", "torch.nn.functional.multilabel_soft_margin_loss", false,
            new[] { new CannedOption("Weighted", false, "per-class weights w of shape [C]") },
            o =>
            {
                var inputs = new List<InputDecl> { Logits, new("y", LikeX, true, "targets, 1 or 0 per class") };
                bool weighted = (bool)o("Weighted");
                AddWeight(inputs, weighted, PerClass);
                string term = "y * log_sigmoid(x) + (1 - y) * log_sigmoid(-x)";
                return new CannedForm(weighted ? $"-mean(w * ({term}))" : $"-mean({term})", inputs, ClassAxis: -1);
            }),

        new CannedLoss("GaussianNllLoss", "torch.nn.functional.gaussian_nll_loss", false,
            new[]
            {
                new CannedOption("Full", false, "adds the constant 0.5 * log(2 * pi)"),
                new CannedOption("Eps", 1e-6, "var is clamped to at least Eps in the value (not in the gradient), as PyTorch"),
                new CannedOption("BroadcastVar", false, "false: var's shape chooses at run time, x's shape or one value per sample (x's shape without the last axis, or with it of length 1), as PyTorch broadcasts it; true: always one per sample. dvar has var's shape (summed over the broadcast axis)"),
            },
            o =>
            {
                double eps = (double)o("Eps");
                bool broadcast = (bool)o("BroadcastVar");
                InputDecl[] Inputs(bool perSample) => new[]
                {
                    new InputDecl("x", LikeX, true, "means"),
                    new InputDecl("y", LikeX, false, "targets"),
                    new InputDecl("var", perSample ? PerRow : LikeX, true, perSample ? "variances, non-negative, one per sample" : "variances, non-negative: x's shape, or one per sample ([N] or [N, 1] for [N, D])", "var"),
                };
                if (eps <= 0)
                {
                    return new CannedForm(string.Empty, Inputs(broadcast), Error: $"Eps = {Plain(eps)} is not positive");
                }

                // As PyTorch: var is clamped under no_grad, so the value is max(var, eps) and the gradient var's own.
                string full = (bool)o("Full") ? " + " + Number(0.5 * Math.Log(2 * Math.PI)) : string.Empty;
                string expression = $"v = var + detach(max(var, {Number(eps)}) - var); 0.5 * (log(v) + (x - y)^2 / v){full}";
                var perSampleForm = new CannedForm(expression, Inputs(true), ClassAxis: -1);
                // Without BroadcastVar, var's shape chooses at run time, as PyTorch broadcasts a var of x's shape without
                // its last axis, or with it of length 1 (dvar then has var's shape, summed over that axis).
                return broadcast ? perSampleForm : new CannedForm(expression, Inputs(false))
                {
                    Variant = perSampleForm,
                    VariantCondition = "global::LossGen.Internal.Check.OnePerSample(@var.Lengths, x.Lengths)",
                };
            }),

        new CannedLoss("TripletMarginLoss", "torch.nn.functional.triplet_margin_loss", false,
            new[]
            {
                new CannedOption("Margin", 1.0, "how much farther the negative must be than the positive"),
                new CannedOption("P", 2.0, "the norm of the pairwise distance (1, 2 or any p >= 1)"),
                new CannedOption("Eps", 1e-6, "added to each difference before the norm, as pairwise_distance"),
                new CannedOption("Swap", false, "the distance to the negative is the smaller of anchor's and positive's (distance swap)"),
            },
            o =>
            {
                double p = (double)o("P");
                var inputs = Triplet();
                if (!(p >= 1))
                {
                    return new CannedForm(string.Empty, inputs, Error: $"P = {Plain(p)} is less than 1");
                }

                string eps = Plus((double)o("Eps"));
                string norm = p == 2 ? "norm({0} - {1}" + eps + ")" : "norm({0} - {1}" + eps + ", " + Number(p) + ")";
                return TripletForm(inputs, (a, b) => string.Format(CultureInfo.InvariantCulture, norm, a, b), (double)o("Margin"), (bool)o("Swap"));
            }),

        new CannedLoss("TripletMarginWithDistanceLoss", "torch.nn.functional.triplet_margin_with_distance_loss", false,
            new[]
            {
                new CannedOption("DistanceFunction", DefaultDistance, "the distance between a and b, written in the language over the last axis (default: pairwise_distance, the Euclidean distance with eps 1e-6)"),
                new CannedOption("Margin", 1.0, "how much farther the negative must be than the positive"),
                new CannedOption("Swap", false, "the distance to the negative is the smaller of anchor's and positive's (distance swap)"),
            },
            o =>
            {
                string distance = (string)o("DistanceFunction");
                var inputs = Triplet();
                if (distance.IndexOf(';') >= 0 || distance.Trim().Length == 0)
                {
                    return new CannedForm(string.Empty, inputs, Error: $"DistanceFunction = \"{distance}\" is not one expression in a and b");
                }

                return TripletForm(inputs, (a, b) => "(" + SubstituteAB(distance, a, b) + ")", (double)o("Margin"), (bool)o("Swap"));
            }),

        new CannedLoss("CtcLoss", "torch.nn.functional.ctc_loss", false,
            new[]
            {
                new CannedOption("Blank", 0, "the blank label"),
                new CannedOption("ZeroInfinity", false, "infinite losses (no alignment fits the input) and their gradients become 0"),
            },
            o =>
            {
                // A dynamic program over the time axis: the one loss with a runtime kernel of its own (LossGen.Internal.Ctc).
                var inputs = new[]
                {
                    new InputDecl("x", LikeX, true, "log-probabilities", "logProbs"),
                    new InputDecl("targets", PerRow, false, "labels, padded [N, S] or concatenated", "targets"),
                    new InputDecl("inputLengths", PerRow, false, "lengths of the inputs", "inputLengths"),
                    new InputDecl("targetLengths", PerRow, false, "lengths of the targets", "targetLengths"),
                };
                int blank = (int)o("Blank");
                return new CannedForm(string.Empty, inputs, Error: blank < 0 ? $"Blank = {blank.ToString(CultureInfo.InvariantCulture)} is negative" : null)
                {
                    Kernel = "Ctc",
                    KernelOptions = new[] { new ParameterSpec("Blank", blank), new ParameterSpec("ZeroInfinity", (bool)o("ZeroInfinity") ? 1 : 0) },
                };
            }),

        new CannedLoss("MultiLabelMarginLoss", "torch.nn.functional.multilabel_margin_loss", false, Array.Empty<CannedOption>(),
            o => new CannedForm(string.Empty, new[]
            {
                new InputDecl("x", LikeX, true, "scores"),
                new InputDecl("y", LikeX, false, "target classes, each row ended by -1"),
            })
            {
                // Every pair of classes: the one loss besides CTC with a runtime kernel (LossGen.Internal.MultiLabelMargin).
                Kernel = "MultiLabelMargin",
            }),

        new CannedLoss("SigmoidFocalLoss", "torchvision.ops.sigmoid_focal_loss", false,
            new[]
            {
                new CannedOption("Alpha", 0.25, "weight of the positive class; negative: no alpha term"),
                new CannedOption("Gamma", 2.0, "focusing exponent"),
            },
            o =>
            {
                double alpha = (double)o("Alpha");
                string focal = $"(1 - pt)^{Number((double)o("Gamma"))} * ce";
                string body = alpha < 0 ? focal : $"({Number(alpha)} * y + {Number(1 - alpha)} * (1 - y)) * {focal}";
                return new CannedForm($"p = sigmoid(x); ce = softplus(x) - x * y; pt = p * y + (1 - p) * (1 - y); {body}", new[] { Logits, new InputDecl("y", LikeX, false, "targets in [0, 1]") });
            }),
    };

    public static readonly IReadOnlyList<string> AttributeNames = All.Select(c => "LossGen." + c.Attribute + "Attribute").ToArray();

    /// <summary>pairwise_distance's default: the Euclidean distance of a - b + 1e-6 over the last axis.</summary>
    public const string DefaultDistance = "norm(a - b + 1e-6)";

    private static InputDecl[] Triplet() => new[]
    {
        new InputDecl("x", LikeX, true, "anchors", "anchor"),
        new InputDecl("positive", LikeX, true, "positives", "positive"),
        new InputDecl("negative", LikeX, true, "negatives", "negative"),
    };

    /// <summary>
    /// The triplet loss <c>max(0, margin + d(anchor, positive) - d(anchor, negative))</c> over the last axis, with the
    /// swap taking the smaller of d(anchor, negative) and d(positive, negative); the clamp at 0 passes the gradient at
    /// 0, as PyTorch's clamp_min.
    /// </summary>
    private static CannedForm TripletForm(IReadOnlyList<InputDecl> inputs, Func<string, string, string> distance, double margin, bool swap)
    {
        string body = $"dPositive = {distance("anchor", "positive")}; dNegative = {distance("anchor", "negative")}; ";
        string negative = "dNegative";
        if (swap)
        {
            body += $"dSwap = {distance("positive", "negative")}; dClosest = min(dNegative, dSwap); ";
            negative = "dClosest";
        }

        body += $"z = {Number(margin)} + dPositive - {negative}; where(z < 0, 0, z)";
        return new CannedForm(body, inputs, ClassAxis: -1);
    }

    /// <summary>The distance expression with its names a and b replaced by the tensors' (whole identifiers only).</summary>
    private static string SubstituteAB(string distance, string a, string b) =>
        System.Text.RegularExpressions.Regex.Replace(distance, "(?<![A-Za-z0-9_])[ab](?![A-Za-z0-9_])", m => m.Value == "a" ? a : b);

    private static InputDecl[] Values() => new[] { new InputDecl("x", LikeX, true, "predictions"), new InputDecl("y", LikeX, true, "targets") };

    private static void AddWeight(List<InputDecl> inputs, bool weighted, InputLayout layout)
    {
        if (weighted)
        {
            inputs.Add(new InputDecl("w", layout, false, layout == PerClass ? "per-class weights" : "elementwise weights"));
        }
    }

    /// <summary>A number as the language spells it (round-trip precision, invariant culture).</summary>
    public static string Number(double value)
    {
        string text = value.ToString("R", CultureInfo.InvariantCulture);
        return value < 0 ? "(" + text + ")" : text;
    }

    /// <summary><c> + value</c> or <c> - |value|</c> as the language spells it; nothing for 0.</summary>
    private static string Plus(double value) => value == 0 ? string.Empty : value > 0 ? " + " + Number(value) : " - " + Number(-value);

    private static string Plain(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Lowers a canned attribute's options to a <see cref="LossSpec"/>.</summary>
    public static LossSpec ToSpec(CannedLoss loss, TypeSpec type, IReadOnlyDictionary<string, object?> named, List<DiagnosticInfo> diagnostics)
    {
        object Option(string name)
        {
            CannedOption option = loss.Options.First(o => o.Name == name);
            return named.TryGetValue(name, out object? value) && value is not null ? Convert.ChangeType(value, option.Default.GetType(), CultureInfo.InvariantCulture) : option.Default;
        }

        var reduction = (Reduction)(named.TryGetValue("Reduction", out object? r) && r is int ri ? ri : 1);
        int classes = named.TryGetValue("Classes", out object? c) && c is int ci ? ci : 0;
        int classAxis = named.TryGetValue("ClassAxis", out object? a) && a is int ai ? ai : 1;
        Extraction.CheckOptions(reduction, classes, classAxis, diagnostics);
        foreach (string key in new[] { "LabelSmoothing", "Beta", "Delta", "Eps", "Alpha", "Gamma", "Margin", "P" })
        {
            if (named.TryGetValue(key, out object? v) && v is double d && (double.IsNaN(d) || double.IsInfinity(d)))
            {
                diagnostics.Add(Extraction.Option($"{key} = {d.ToString(CultureInfo.InvariantCulture)} is not a finite number"));
            }
        }

        CannedForm form = diagnostics.Count == 0 ? loss.Lower(Option) : new CannedForm("x", new[] { Logits });
        if (form.Kernel.Length > 0 && reduction == Reduction.BatchMean)
        {
            form = form with { Error = $"Reduction = BatchMean is not a reduction of {loss.PyTorch} (None, Mean or Sum)" };
        }

        if (form.Error is not null)
        {
            diagnostics.Add(Extraction.Option(form.Error));
        }

        string description = loss.PyTorch + (loss.Options.Count == 0 ? string.Empty : " (" + string.Join(", ", loss.Options.Select(o => o.Name + " = " + Display(Option(o.Name)))) + ")");
        return new LossSpec(type, loss.Attribute, form.Expression, reduction, classes, form.ClassAxis ?? classAxis,
            form.IgnoreIndex.HasValue, form.IgnoreIndex ?? 0, EquatableArray<ParameterSpec>.Empty, form.Inputs.ToEquatableArray(),
            null, diagnostics.ToEquatableArray(), description)
        {
            Kernel = form.Kernel,
            KernelOptions = form.KernelOptions.ToEquatableArray(),
            Variant = form.Variant is { } variant
                ? new LossSpec(type, loss.Attribute, variant.Expression, reduction, classes, variant.ClassAxis ?? classAxis, false, 0,
                    EquatableArray<ParameterSpec>.Empty, variant.Inputs.ToEquatableArray(), null, EquatableArray<DiagnosticInfo>.Empty, description)
                : null,
            VariantCondition = form.VariantCondition,
        };
    }

    private static string Display(object value) => value switch
    {
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty,
    };

    public static LossDeclaration Extract(GeneratorAttributeSyntaxContext context, CancellationToken cancellation)
    {
        var symbol = (INamedTypeSymbol)context.TargetSymbol;
        var declaration = (ClassDeclarationSyntax)context.TargetNode;
        AttributeData attribute = context.Attributes[0];
        string name = attribute.AttributeClass?.Name ?? string.Empty;
        CannedLoss loss = All.First(c => c.Attribute + "Attribute" == name);
        var diagnostics = new List<DiagnosticInfo>();
        TypeSpec type = Extraction.Type(symbol, declaration, diagnostics);
        Extraction.CheckSingleLoss(symbol, diagnostics);
        LossSpec spec = ToSpec(loss, type, Extraction.Named(attribute), diagnostics);
        SyntaxNode? syntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellation);
        return new LossDeclaration(spec, Extraction.Places(type, declaration, syntax, null, ImmutableArray<Location?>.Empty));
    }
}
