using LossGen;

namespace LossGen.Tests.Runtime;

[Loss("logsumexp(x) - x[t]", IgnoreIndex = -100)]
public static partial class CrossEntropy;

[Loss("logsumexp(x) - x[t]", IgnoreIndex = -100, Reduction = Reduction.Sum)]
public static partial class CrossEntropySum;

[Loss("logsumexp(x) - x[t]", Reduction = Reduction.None)]
public static partial class CrossEntropyNone;

[Loss("logsumexp(x) - x[t]", ClassAxis = -1)]
public static partial class CrossEntropyLast;

[Loss("logsumexp(x) - x[t]", Classes = 4)]
public static partial class CrossEntropy4;

[Loss("-sum(y * log_softmax(x))")]
public static partial class SoftCrossEntropy;

[Loss("mean_by(w[t] * (logsumexp(x) - x[t]), w[t])", IgnoreIndex = -100)]
public static partial class WeightedCrossEntropy;

[Loss("(x - y)^2", Reduction = Reduction.None)]
public static partial class SquaredError;

[Loss("(x - y)^2")]
public static partial class Mse;

[CrossEntropyLoss(Weighted = true, IgnoreIndex = 3, LabelSmoothing = 0.1, Classes = 10)]
public static partial class SmoothedCrossEntropy10;

[CrossEntropyLoss(Weighted = true, IgnoreIndex = 3, LabelSmoothing = 0.1)]
public static partial class SmoothedCrossEntropyAny;
