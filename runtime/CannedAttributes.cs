using System;

namespace LossGen;

/// <summary>Options every canned loss shares.</summary>
public abstract class CannedLossAttribute : Attribute
{
    /// <summary>How per-position losses are reduced. Default <see cref="Reduction.Mean"/>.</summary>
    public Reduction Reduction { get; set; } = Reduction.Mean;
}

/// <summary>Options of canned losses over a class axis.</summary>
public abstract class CannedClassLossAttribute : CannedLossAttribute
{
    /// <summary>0: the class count is read from the input. &gt;0: kernels are specialised for that count.</summary>
    public int Classes { get; set; }

    /// <summary>The class axis of <c>x</c> when its rank is at least 2 (default 1); -1 is the last axis.</summary>
    public int ClassAxis { get; set; } = 1;
}

/// <summary>PyTorch's <c>torch.nn.functional.cross_entropy</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class CrossEntropyLossAttribute : CannedClassLossAttribute
{
    /// <summary>Class indices <c>t</c> (default) or probabilities <c>y</c>.</summary>
    public TargetKind Target { get; set; } = TargetKind.ClassIndices;
    /// <summary>Per-class weights <c>w</c> of shape [C].</summary>
    public bool Weighted { get; set; }
    /// <summary>Target value that is ignored (class indices only). Default -100.</summary>
    public int IgnoreIndex { get; set; } = -100;
    /// <summary>Label smoothing in [0, 1]. Default 0.</summary>
    public double LabelSmoothing { get; set; }
}

/// <summary>PyTorch's <c>torch.nn.functional.nll_loss</c>: <c>x</c> holds log-probabilities.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class NllLossAttribute : CannedClassLossAttribute
{
    /// <summary>Per-class weights <c>w</c> of shape [C].</summary>
    public bool Weighted { get; set; }
    /// <summary>Target value that is ignored. Default -100.</summary>
    public int IgnoreIndex { get; set; } = -100;
}

/// <summary>PyTorch's <c>torch.nn.functional.binary_cross_entropy</c>: <c>x</c> holds probabilities; each log is clamped at -100.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class BinaryCrossEntropyLossAttribute : CannedLossAttribute
{
    /// <summary>Elementwise weights <c>w</c> with <c>x</c>'s shape.</summary>
    public bool Weighted { get; set; }
}

/// <summary>PyTorch's <c>torch.nn.functional.binary_cross_entropy_with_logits</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class BinaryCrossEntropyWithLogitsLossAttribute : CannedLossAttribute
{
    /// <summary>Elementwise weights <c>w</c> with <c>x</c>'s shape.</summary>
    public bool Weighted { get; set; }
    /// <summary>Positive-class weights <c>posWeight</c> along the last axis of <c>x</c>.</summary>
    public bool PosWeighted { get; set; }
}

/// <summary>PyTorch's <c>torch.nn.functional.kl_div</c>: <c>x</c> holds log-probabilities.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class KLDivLossAttribute : CannedLossAttribute
{
    /// <summary>The target <c>y</c> holds log-probabilities.</summary>
    public bool LogTarget { get; set; }
}

/// <summary>PyTorch's <c>torch.nn.functional.mse_loss</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class MseLossAttribute : CannedLossAttribute { }

/// <summary>PyTorch's <c>torch.nn.functional.l1_loss</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class L1LossAttribute : CannedLossAttribute { }

/// <summary>PyTorch's <c>torch.nn.functional.smooth_l1_loss</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class SmoothL1LossAttribute : CannedLossAttribute
{
    /// <summary>The threshold between the quadratic and linear parts. Default 1.</summary>
    public double Beta { get; set; } = 1.0;
}

/// <summary>PyTorch's <c>torch.nn.functional.huber_loss</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class HuberLossAttribute : CannedLossAttribute
{
    /// <summary>The threshold between the quadratic and linear parts. Default 1.</summary>
    public double Delta { get; set; } = 1.0;
}

/// <summary>PyTorch's <c>torch.nn.functional.poisson_nll_loss</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class PoissonNllLossAttribute : CannedLossAttribute
{
    /// <summary><c>x</c> is the log of the rate (default true).</summary>
    public bool LogInput { get; set; } = true;
    /// <summary>Adds the Stirling approximation term for targets above 1.</summary>
    public bool Full { get; set; }
    /// <summary>Added inside the log when <see cref="LogInput"/> is false. Default 1e-8.</summary>
    public double Eps { get; set; } = 1e-8;
}

/// <summary>PyTorch's <c>torch.nn.functional.soft_margin_loss</c>: targets are +1 or -1.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class SoftMarginLossAttribute : CannedLossAttribute { }

/// <summary>
/// PyTorch's <c>torch.nn.functional.hinge_embedding_loss</c>: <c>x</c> where the label <c>y</c> is 1,
/// <c>max(0, Margin - x)</c> where it is -1.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class HingeEmbeddingLossAttribute : CannedLossAttribute
{
    /// <summary>The margin of the -1 term. Default 1.</summary>
    public double Margin { get; set; } = 1.0;
}

/// <summary>
/// PyTorch's <c>torch.nn.functional.margin_ranking_loss</c>: <c>max(0, -label * (x - y) + Margin)</c>, with gradients
/// to both scores <c>x</c> and <c>y</c>; <c>label</c> is +1 or -1.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class MarginRankingLossAttribute : CannedLossAttribute
{
    /// <summary>The margin. Default 0.</summary>
    public double Margin { get; set; }
}

/// <summary>
/// PyTorch's <c>torch.nn.functional.cosine_embedding_loss</c>: pairs of embeddings <c>x</c>, <c>y</c> along the last
/// axis, <c>1 - cos(x, y)</c> where <c>label</c> is 1 and <c>max(0, cos(x, y) - Margin)</c> where it is -1, with
/// gradients to both.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class CosineEmbeddingLossAttribute : CannedLossAttribute
{
    /// <summary>The margin of dissimilar pairs. Default 0.</summary>
    public double Margin { get; set; }
}

/// <summary>
/// PyTorch's <c>torch.nn.functional.multi_margin_loss</c>: the multi-class hinge loss over scores <c>x</c> and class
/// indices <c>t</c>, <c>sum over c != t of max(0, Margin - x[t] + x[c])^P / C</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class MultiMarginLossAttribute : CannedClassLossAttribute
{
    /// <summary>1 (default) or 2: the hinge or its square.</summary>
    public int P { get; set; } = 1;
    /// <summary>The margin. Default 1.</summary>
    public double Margin { get; set; } = 1.0;
    /// <summary>Per-class weights <c>w</c> of shape [C]: each position's term times <c>w[t]</c>.</summary>
    public bool Weighted { get; set; }
}

/// <summary>
/// PyTorch's <c>torch.nn.functional.multilabel_soft_margin_loss</c>: the mean over the last axis of the logistic loss
/// of each class, against 0/1 targets <c>y</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class MultiLabelSoftMarginLossAttribute : CannedLossAttribute
{
    /// <summary>Per-class weights <c>w</c> of shape [C] (the last axis).</summary>
    public bool Weighted { get; set; }
}

/// <summary>torchvision's <c>sigmoid_focal_loss</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class SigmoidFocalLossAttribute : CannedLossAttribute
{
    /// <summary>Weight of the positive class; negative: no alpha term. Default 0.25.</summary>
    public double Alpha { get; set; } = 0.25;
    /// <summary>Focusing exponent. Default 2.</summary>
    public double Gamma { get; set; } = 2.0;
}

/// <summary>
/// PyTorch's <c>torch.nn.functional.gaussian_nll_loss</c>: the negative log-likelihood of targets <c>y</c> under
/// Gaussians of means <c>x</c> and variances <c>var</c>, <c>0.5 * (log(v) + (x - y)^2 / v)</c> with <c>v</c> the variance
/// clamped to at least <see cref="Eps"/> (in the value only, as PyTorch). Gradients to <c>x</c> and <c>var</c>; var of
/// x's shape or one value per sample ([N] or [N, 1] for [N, D]), as PyTorch.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class GaussianNllLossAttribute : CannedLossAttribute
{
    /// <summary>Adds the constant <c>0.5 * log(2 * pi)</c>. Default false.</summary>
    public bool Full { get; set; }
    /// <summary>The smallest variance used in the value. Default 1e-6.</summary>
    public double Eps { get; set; } = 1e-6;
    /// <summary>
    /// Default false: <c>var</c>'s shape chooses at run time, as PyTorch broadcasts it: <c>x</c>'s shape, or one value per
    /// sample (<c>x</c>'s shape without its last axis, or with it of length 1). True: always one value per sample (only
    /// that form is generated). <c>dvar</c> has <c>var</c>'s shape, summed over the broadcast axis.
    /// </summary>
    public bool BroadcastVar { get; set; }
}

/// <summary>
/// PyTorch's <c>torch.nn.functional.triplet_margin_loss</c>: <c>max(0, Margin + d(anchor, positive) - d(anchor, negative))</c>
/// per triplet, with <c>d</c> the p-norm distance over the last axis (<c>pairwise_distance</c>). Gradients to all three.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class TripletMarginLossAttribute : CannedLossAttribute
{
    /// <summary>The margin. Default 1.</summary>
    public double Margin { get; set; } = 1.0;
    /// <summary>The norm of the distance. Default 2.</summary>
    public double P { get; set; } = 2.0;
    /// <summary>Added to each difference before the norm. Default 1e-6.</summary>
    public double Eps { get; set; } = 1e-6;
    /// <summary>Uses the smaller of d(anchor, negative) and d(positive, negative). Default false.</summary>
    public bool Swap { get; set; }
}

/// <summary>
/// PyTorch's <c>torch.nn.functional.triplet_margin_with_distance_loss</c>: the triplet loss with the distance written in
/// the expression language over the last axis, in terms of <c>a</c> and <c>b</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class TripletMarginWithDistanceLossAttribute : CannedLossAttribute
{
    /// <summary>
    /// PyTorch's <c>distance_function</c>, written in the expression language: the distance between <c>a</c> and
    /// <c>b</c> over the last axis, e.g. <c>"1 - sum(a * b) / (norm(a) * norm(b))"</c>. Default
    /// <c>"norm(a - b + 1e-6)"</c>, PyTorch's default <c>pairwise_distance</c>.
    /// </summary>
    public string DistanceFunction { get; set; } = "norm(a - b + 1e-6)";
    /// <summary>The margin. Default 1.</summary>
    public double Margin { get; set; } = 1.0;
    /// <summary>Uses the smaller of d(anchor, negative) and d(positive, negative). Default false.</summary>
    public bool Swap { get; set; }
}

/// <summary>
/// PyTorch's <c>torch.nn.functional.ctc_loss</c>: the connectionist temporal classification loss of log-probabilities
/// <c>logProbs</c> [T, N, C] against label sequences, over every alignment, exact in log space. The one canned loss with
/// a runtime kernel of its own (a dynamic program over time); gradient to <c>logProbs</c>. Reduction Mean divides each
/// sequence's loss by its target length, then averages, as PyTorch; BatchMean is not offered.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class CtcLossAttribute : CannedLossAttribute
{
    /// <summary>The blank label. Default 0.</summary>
    public int Blank { get; set; }
    /// <summary>Infinite losses (no alignment of the target fits its input) and their gradients become 0. Default false.</summary>
    public bool ZeroInfinity { get; set; }
}

/// <summary>
/// PyTorch's <c>torch.nn.functional.multilabel_margin_loss</c>: scores <c>x</c> [N, C] against target classes <c>y</c>
/// (x's shape, each row's classes then -1), <c>sum over targets j and other classes i of max(0, 1 - (x[j] - x[i])) / C</c>.
/// A runtime kernel of its own (it compares every pair of classes); gradient to <c>x</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class MultiLabelMarginLossAttribute : CannedLossAttribute
{
}
