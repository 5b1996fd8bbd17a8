using LossGen;

namespace LossGen.TorchSharp.Tests;

// The losses the bridge tests run: canned ones and a custom DSL loss, in the reductions the bridge supports.

[CrossEntropyLoss]
public static partial class CrossEntropy;

[CrossEntropyLoss(Reduction = LossGen.Reduction.Sum)]
public static partial class CrossEntropySum;

[CrossEntropyLoss(Reduction = LossGen.Reduction.None)]
public static partial class CrossEntropyNone;

[CrossEntropyLoss(Weighted = true)]
public static partial class WeightedCrossEntropy;

[CrossEntropyLoss(Target = TargetKind.Probabilities)]
public static partial class SoftCrossEntropy;

[BinaryCrossEntropyWithLogitsLoss]
public static partial class BceWithLogits;

[BinaryCrossEntropyWithLogitsLoss(PosWeighted = true)]
public static partial class BceWithLogitsPosWeight;

[MseLoss(Reduction = LossGen.Reduction.None)]
public static partial class MseNone;

/// <summary>Multi-class focal loss, written in the expression language.</summary>
[Loss("ce = logsumexp(x) - x[t]; (1 - exp(-ce))^gamma * ce")]
[LossParameter("gamma", 2.0)]
public static partial class Focal;

[CrossEntropyLoss(Target = TargetKind.Probabilities, Reduction = LossGen.Reduction.None)]
public static partial class SoftCrossEntropyNone;

[CrossEntropyLoss(Target = TargetKind.Probabilities, Reduction = LossGen.Reduction.None, ClassAxis = -1)]
public static partial class SoftCrossEntropyNoneLast;

/// <summary>Log-cosh regression loss, mean over every element (docs/dsl.md: <c>log_cosh</c>).</summary>
[Loss("log_cosh(x - y)")]
public static partial class LogCoshMean;

[Loss("log_cosh(x - y)", Reduction = LossGen.Reduction.None)]
public static partial class LogCoshNone;

/// <summary>The hinge term of a margin loss with labels y in {-1, 1} (docs/dsl.md: <c>hinge</c>).</summary>
[Loss("hinge(x * y)", Reduction = LossGen.Reduction.None)]
public static partial class HingeNone;

/// <summary>tanh inside a sum over the class axis: its vector form runs in the class loop (docs/dsl.md: <c>tanh</c>).</summary>
[Loss("sum(y * tanh(x))")]
public static partial class TanhOverClasses;

/// <summary>log_cosh over the class axis (the vector form in a class loop).</summary>
[Loss("mean(log_cosh(x - y))")]
public static partial class LogCoshOverClasses;

/// <summary>Class-weighted cross entropy, summed: the loss of <c>LinearLoss.WeightedClassIndices</c> (it takes the weighted mean).</summary>
[CrossEntropyLoss(Weighted = true, Reduction = LossGen.Reduction.Sum)]
public static partial class WeightedCrossEntropySum;

/// <summary>Cross entropy with label smoothing 0.1, summed: fused with a linear layer by <c>LinearLoss</c>.</summary>
[CrossEntropyLoss(LabelSmoothing = 0.1, Reduction = LossGen.Reduction.Sum)]
public static partial class SmoothedCrossEntropySum;
