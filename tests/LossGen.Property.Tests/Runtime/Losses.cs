using LossGen;

namespace LossGen.Property.Tests.Runtime;

// Compiled by the generator as an analyzer of this project: one of each kind of loss (class-index, soft-label,
// elementwise, canned with per-class weights and positive weights), with the options the robustness tests need.

[Loss("logsumexp(x) - x[t]", IgnoreIndex = -100)]
public static partial class CrossEntropy;

[Loss("logsumexp(x) - x[t]", IgnoreIndex = -100, Reduction = Reduction.None)]
public static partial class CrossEntropyNone;

[Loss("logsumexp(x) - x[t]", IgnoreIndex = -100, Reduction = Reduction.Sum)]
public static partial class CrossEntropySum;

[Loss("logsumexp(x) - x[t]", Classes = 3)]
public static partial class CrossEntropy3;

[Loss("logsumexp(x) - x[t]", ClassAxis = 2)]
public static partial class CrossEntropyAxis2;

[Loss("logsumexp(x) - x[t]", ClassAxis = -1, IgnoreIndex = -100)]
public static partial class CrossEntropyLast;

[Loss("-sum(y * log_softmax(x))")]
public static partial class SoftCrossEntropy;

[Loss("-sum(y * log_softmax(x))", Reduction = Reduction.None)]
public static partial class SoftCrossEntropyNone;

[Loss("(x - y)^2", Reduction = Reduction.None)]
public static partial class SquaredError;

[Loss("(x - y)^2")]
public static partial class Mse;

[Loss("(x - y)^2", Reduction = Reduction.Sum)]
public static partial class MseSum;

[Loss("ce = logsumexp(x) - x[t]; (1 - exp(-ce))^gamma * ce", IgnoreIndex = -100)]
[LossParameter("gamma", 2.0)]
public static partial class Focal;

[CrossEntropyLoss(Weighted = true)]
public static partial class WeightedCrossEntropy;

[CrossEntropyLoss(Weighted = true, Reduction = Reduction.None)]
public static partial class WeightedCrossEntropyNone;

[BinaryCrossEntropyWithLogitsLoss(Weighted = true, PosWeighted = true)]
public static partial class BceWithLogits;

[BinaryCrossEntropyWithLogitsLoss(Weighted = true, PosWeighted = true, Reduction = Reduction.None)]
public static partial class BceWithLogitsNone;
