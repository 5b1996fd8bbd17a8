// The losses that bench/ measures, declared once and compiled by LossGen into both bench projects.
// The formulas are the PyTorch ones (see tests/LossGen.Conformance.Tests/DslLosses.cs); the class
// names say what is specialised.
using LossGen;

namespace LossGen.Bench;

/// <summary>Cross entropy with class indices, mean, <c>Classes</c> specialised for 4.</summary>
[Loss("logsumexp(x) - x[t]", Classes = 4)]
public static partial class CrossEntropyC4;

/// <summary>Cross entropy with class indices, mean, <c>Classes</c> specialised for 10.</summary>
[Loss("logsumexp(x) - x[t]", Classes = 10)]
public static partial class CrossEntropyC10;

/// <summary>Cross entropy with class indices, mean, class count read at run time (used for C = 1000 and 32000).</summary>
[Loss("logsumexp(x) - x[t]")]
public static partial class CrossEntropy;

/// <summary>The canned PyTorch cross entropy (class indices, ignore_index = -100), for comparison with the DSL form.</summary>
[CrossEntropyLoss]
public static partial class CannedCrossEntropy;

/// <summary>Soft-label cross entropy, mean over rows.</summary>
[Loss("-sum(y * log_softmax(x))")]
public static partial class SoftCrossEntropy;

/// <summary>PyTorch's <c>mse_loss</c>, mean.</summary>
[MseLoss]
public static partial class Mse;

/// <summary>PyTorch's <c>binary_cross_entropy_with_logits</c>, mean.</summary>
[BinaryCrossEntropyWithLogitsLoss]
public static partial class BceWithLogits;

/// <summary>Cross entropy with class indices, summed: the loss of the fused linear + cross entropy row (LinearLoss takes the mean).</summary>
[CrossEntropyLoss(Reduction = Reduction.Sum)]
public static partial class CrossEntropySum;
