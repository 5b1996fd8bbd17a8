using LossGen;

namespace LossGen.TorchSharp.Tests;

// Canned losses of docs/losses.md checked against TorchSharp's functional losses by CatalogueTests.

[HingeEmbeddingLoss]
public static partial class HingeEmbedding;

[HingeEmbeddingLoss(Margin = 0.5, Reduction = LossGen.Reduction.Sum)]
public static partial class HingeEmbeddingSum;

[HingeEmbeddingLoss(Margin = 2, Reduction = LossGen.Reduction.None)]
public static partial class HingeEmbeddingNone;

[MarginRankingLoss]
public static partial class MarginRanking;

[MarginRankingLoss(Margin = 0.25, Reduction = LossGen.Reduction.Sum)]
public static partial class MarginRankingSum;

[MultiMarginLoss]
public static partial class MultiMargin;

[MultiMarginLoss(P = 2, Margin = 0.5, Weighted = true)]
public static partial class MultiMarginSquaredWeighted;

[MultiMarginLoss(Weighted = true, Reduction = LossGen.Reduction.Sum, Classes = 5)]
public static partial class MultiMarginWeightedSum5;

[MultiLabelSoftMarginLoss]
public static partial class MultiLabelSoftMargin;

[MultiLabelSoftMarginLoss(Weighted = true, Reduction = LossGen.Reduction.Sum)]
public static partial class MultiLabelSoftMarginWeightedSum;

/// <summary>A leaky ReLU written with where (docs/dsl.md: comparisons and where), summed.</summary>
[Loss("where(x > 0, x, 0.01 * x) * y", Reduction = LossGen.Reduction.Sum)]
public static partial class LeakyReluWhere;

/// <summary>where over the class axis, in the class loops: a clamp that passes the gradient at its bound.</summary>
[Loss("sum(where(x >= y, x - y, 0.5 * (y - x)^2))")]
public static partial class WhereOverClasses;

[CosineEmbeddingLoss]
public static partial class CosineEmbedding;

[CosineEmbeddingLoss(Margin = 0.2, Reduction = LossGen.Reduction.Sum)]
public static partial class CosineEmbeddingSum;

// docs/dsl.md, "Losses people write": each is checked against the same loss composed from TorchSharp ops.

/// <summary>Poly-1 cross entropy (Leng et al. 2022): cross entropy plus epsilon * (1 - p_t).</summary>
[Loss("ce = logsumexp(x) - x[t]; ce + epsilon * (1 - exp(-ce))")]
[LossParameter("epsilon", 1.0)]
public static partial class Poly1CrossEntropy;

/// <summary>Multi-class focal loss with a per-class alpha w.</summary>
[Loss("ce = logsumexp(x) - x[t]; w[t] * (1 - exp(-ce))^gamma * ce")]
[LossParameter("gamma", 2.0)]
public static partial class FocalWithAlpha;

/// <summary>InfoNCE over a row of similarities: the positive's index t, temperature tau.</summary>
[Loss("logsumexp(x / tau) - x[t] / tau")]
[LossParameter("tau", 0.07)]
public static partial class InfoNce;

/// <summary>Soft Dice of sigmoid probabilities against a mask, one score per sample over its last axis.</summary>
[Loss("p = sigmoid(x); 1 - (2 * sum(p * y) + smooth) / (sum(p) + sum(y) + smooth)", ClassAxis = -1)]
[LossParameter("smooth", 1.0)]
public static partial class Dice;

/// <summary>Tversky loss: Dice with false positives and false negatives weighed by alpha and beta.</summary>
[Loss("p = sigmoid(x); tp = sum(p * y); 1 - (tp + smooth) / (tp + alpha * sum(p * (1 - y)) + beta * sum((1 - p) * y) + smooth)", ClassAxis = -1)]
[LossParameter("alpha", 0.3)]
[LossParameter("beta", 0.7)]
[LossParameter("smooth", 1.0)]
public static partial class Tversky;

[GaussianNllLoss]
public static partial class GaussianNll;

[GaussianNllLoss(Full = true, Eps = 1e-3, Reduction = LossGen.Reduction.Sum)]
public static partial class GaussianNllFullSum;

[GaussianNllLoss(BroadcastVar = true)]
public static partial class GaussianNllBroadcast;

[GaussianNllLoss(BroadcastVar = true, Reduction = LossGen.Reduction.None)]
public static partial class GaussianNllBroadcastNone;

[TripletMarginLoss]
public static partial class TripletMargin;

[TripletMarginLoss(Margin = 0.5, P = 1, Swap = true, Reduction = LossGen.Reduction.Sum)]
public static partial class TripletMarginL1Swap;

[TripletMarginLoss(P = 3, Eps = 1e-3)]
public static partial class TripletMarginP3;

[TripletMarginWithDistanceLoss]
public static partial class TripletWithDistance;

[TripletMarginWithDistanceLoss(DistanceFunction = "1 - sum(a * b) / (norm(a) * norm(b))", Margin = 0.3, Swap = true, Reduction = LossGen.Reduction.Sum)]
public static partial class TripletWithCosineDistance;

/// <summary>The triplet loss written with named inputs (docs/dsl.md, "Named inputs").</summary>
[Loss("relu(norm(anchor - positive) - norm(anchor - negative) + margin)", ClassAxis = -1)]
[LossTensor("anchor")]
[LossTensor("positive")]
[LossTensor("negative")]
[LossParameter("margin", 1.0)]
public static partial class TripletWritten;

/// <summary>
/// Cross entropy with a learned temperature per sample: named logits, class indices and a per-position prediction, whose
/// gradient dtemperature is one value per sample.
/// </summary>
[Loss("z = logits / temperature; logsumexp(z) - z[label]")]
[LossTensor("logits", Kind = InputKind.Logits)]
[LossTensor("label", TensorRole.ClassIndices)]
[LossTensor("temperature", Shape = TensorShape.PerPosition)]
public static partial class LearnedTemperature;

/// <summary>Named inputs whose names meet the generated kernel's own (target, seed, double) and a weight per class.</summary>
[Loss("w8[target] * (logsumexp(seed) - seed[target]) + 0.01 * mean(double)")]
[LossTensor("seed")]
[LossTensor("target", TensorRole.ClassIndices)]
[LossTensor("w8", TensorRole.Weight, Shape = TensorShape.PerClass)]
[LossTensor("double", TensorRole.Target)]
public static partial class NamesThatMeetTheKernel;

[CtcLoss]
public static partial class Ctc;

[CtcLoss(Blank = 2, Reduction = LossGen.Reduction.Sum)]
public static partial class CtcBlank2Sum;

[CtcLoss(ZeroInfinity = true)]
public static partial class CtcZeroInfinity;

[CtcLoss(Reduction = LossGen.Reduction.None)]
public static partial class CtcNone;

[MultiLabelMarginLoss]
public static partial class MultiLabelMargin;

[MultiLabelMarginLoss(Reduction = LossGen.Reduction.None)]
public static partial class MultiLabelMarginNone;

/// <summary>The class index compared with a constant (docs/dsl.md, comparisons and where): class 0's positions weigh twice.</summary>
[Loss("ce = logsumexp(x) - x[t]; where(t == 0, 2 * ce, ce)")]
public static partial class FirstClassTwice;

/// <summary>The same, four classes known at compile time (positions in lanes), with != and a negative constant.</summary>
[Loss("ce = logsumexp(x) - x[t]; where(t != -1, where(t != 3, ce, 0.5 * ce), 0)", Classes = 4)]
public static partial class LastClassHalf4;

/// <summary>Soft Dice over every axis after the first (an image mask [N, H, W], docs/dsl.md: ClassAxis = AllButBatch).</summary>
[Loss("p = sigmoid(x); 1 - (2 * sum(p * y) + smooth) / (sum(p) + sum(y) + smooth)", ClassAxis = LossAttribute.AllButBatch)]
[LossParameter("smooth", 1.0)]
public static partial class DiceOverMask;

/// <summary>
/// A language model's loss written in the language (docs/torchsharp.md, "Fused linear + loss"): cross entropy of
/// soft-capped logits plus z-loss, summed (LinearLoss takes the mean).
/// </summary>
[Loss("z = cap * tanh(x / cap); lse = logsumexp(z); lse - z[t] + zscale * lse^2", Reduction = LossGen.Reduction.Sum, IgnoreIndex = -100)]
[LossParameter("cap", 30.0)]
[LossParameter("zscale", 1e-4)]
public static partial class SoftcapZLoss;

/// <summary>
/// The z-loss term of <see cref="SoftcapZLoss"/> alone, reported beside the loss by <c>LinearLoss.WithPart</c>
/// (docs/torchsharp.md, "Fused linear + loss"): ignored tokens add nothing.
/// </summary>
[Loss("z = cap * tanh(x / cap); lse = logsumexp(z); where(t != -100, zscale * lse^2, 0)", Reduction = LossGen.Reduction.Sum, IgnoreIndex = -100)]
[LossParameter("cap", 30.0)]
[LossParameter("zscale", 1e-4)]
public static partial class SoftcapZLossTerm;
