// The PyTorch loss catalogue written in the LossGen expression language: one class per
// (formula, reduction, ignore index) the reference data needs. DslSuite maps every reference case
// to a formula below; the class is then found through its [Loss] attribute, so a formula is spelled
// exactly once.
namespace LossGen.Conformance.Tests.Dsl;

/// <summary>The formulas, each matching the PyTorch function named in its comment.</summary>
public static class Formulas
{
    // cross_entropy with class indices. Label smoothing ls (PyTorch):
    //   (1 - ls) * nll + ls/C * sum_c w[c] * (lse - x[c]); Mean divides by sum of w[t] (or the count).
    public const string CeIndex = "logsumexp(x) - x[t]";
    public const string CeIndexSmooth = "lse = logsumexp(x); (1 - ls)*(lse - x[t]) + ls*mean(lse - x)";
    public const string CeIndexWeighted = "mean_by(w[t]*(logsumexp(x) - x[t]), w[t])";
    public const string CeIndexWeightedSmooth = "lse = logsumexp(x); mean_by((1 - ls)*w[t]*(lse - x[t]) + ls*mean(w*(lse - x)), w[t])";

    // cross_entropy with probabilities. PyTorch smooths the target, y' = (1 - ls)*y + ls/C, weights
    // multiply per class, and Mean divides by the number of positions (never by the weights).
    public const string CeProb = "-sum(y * log_softmax(x))";
    public const string CeProbSmooth = "lsm = log_softmax(x); -(1 - ls)*sum(y*lsm) - ls*mean(lsm)";
    public const string CeProbWeighted = "-sum(w * y * log_softmax(x))";
    public const string CeProbWeightedSmooth = "lsm = log_softmax(x); -(1 - ls)*sum(w*y*lsm) - ls*mean(w*lsm)";

    // nll_loss
    public const string Nll = "-x[t]";
    public const string NllWeighted = "mean_by(-w[t]*x[t], w[t])";

    // binary_cross_entropy (PyTorch clamps each log at -100), binary_cross_entropy_with_logits
    public const string Bce = "-(y * max(log(x), -100) + (1 - y) * max(log(1 - x), -100))";
    public const string BceWithLogits = "softplus(x) - x * y";

    // kl_div, log_target false / true
    public const string KlDiv = "y * (log(y) - x)";
    public const string KlDivLogTarget = "exp(y) * (y - x)";

    // mse_loss, l1_loss, huber_loss(delta), smooth_l1_loss(beta)
    public const string Mse = "(x - y)^2";
    public const string L1 = "abs(x - y)";
    public const string Huber = "0.5*min(abs(x - y), delta)^2 + delta*(abs(x - y) - min(abs(x - y), delta))";
    public const string SmoothL1 = "d = abs(x - y); m = min(d, beta); 0.5*m^2/beta + d - m";

    // poisson_nll_loss with full=False, log_input true / false
    public const string PoissonLogInput = "exp(x) - y * x";
    public const string Poisson = "x - y * log(x + eps)";

    // soft_margin_loss, torchvision sigmoid_focal_loss (alpha >= 0)
    public const string SoftMargin = "softplus(-x * y)";
    public const string SigmoidFocal = "p = sigmoid(x); ce = softplus(x) - x*y; pt = p*y + (1 - p)*(1 - y); (alpha*y + (1 - alpha)*(1 - y)) * (1 - pt)^gamma * ce";
}

[Loss(Formulas.CeIndex, Reduction = Reduction.None)] public static partial class CeIndexNone;
[Loss(Formulas.CeIndex, Reduction = Reduction.Mean)] public static partial class CeIndexMean;
[Loss(Formulas.CeIndex, Reduction = Reduction.Sum)] public static partial class CeIndexSum;
[Loss(Formulas.CeIndex, Reduction = Reduction.None, IgnoreIndex = -100)] public static partial class CeIndexNoneIgnore;
[Loss(Formulas.CeIndex, Reduction = Reduction.Mean, IgnoreIndex = -100)] public static partial class CeIndexMeanIgnore;
[Loss(Formulas.CeIndex, Reduction = Reduction.Sum, IgnoreIndex = -100)] public static partial class CeIndexSumIgnore;

[Loss(Formulas.CeIndexSmooth, Reduction = Reduction.None), LossParameter("ls", 0.0)] public static partial class CeIndexSmoothNone;
[Loss(Formulas.CeIndexSmooth, Reduction = Reduction.Mean), LossParameter("ls", 0.0)] public static partial class CeIndexSmoothMean;
[Loss(Formulas.CeIndexSmooth, Reduction = Reduction.Sum), LossParameter("ls", 0.0)] public static partial class CeIndexSmoothSum;
[Loss(Formulas.CeIndexSmooth, Reduction = Reduction.None, IgnoreIndex = -100), LossParameter("ls", 0.0)] public static partial class CeIndexSmoothNoneIgnore;
[Loss(Formulas.CeIndexSmooth, Reduction = Reduction.Mean, IgnoreIndex = -100), LossParameter("ls", 0.0)] public static partial class CeIndexSmoothMeanIgnore;
[Loss(Formulas.CeIndexSmooth, Reduction = Reduction.Sum, IgnoreIndex = -100), LossParameter("ls", 0.0)] public static partial class CeIndexSmoothSumIgnore;

[Loss(Formulas.CeIndexWeighted, Reduction = Reduction.None)] public static partial class CeIndexWeightedNone;
[Loss(Formulas.CeIndexWeighted, Reduction = Reduction.Mean)] public static partial class CeIndexWeightedMean;
[Loss(Formulas.CeIndexWeighted, Reduction = Reduction.Sum)] public static partial class CeIndexWeightedSum;
[Loss(Formulas.CeIndexWeighted, Reduction = Reduction.None, IgnoreIndex = -100)] public static partial class CeIndexWeightedNoneIgnore;
[Loss(Formulas.CeIndexWeighted, Reduction = Reduction.Mean, IgnoreIndex = -100)] public static partial class CeIndexWeightedMeanIgnore;
[Loss(Formulas.CeIndexWeighted, Reduction = Reduction.Sum, IgnoreIndex = -100)] public static partial class CeIndexWeightedSumIgnore;

[Loss(Formulas.CeIndexWeightedSmooth, Reduction = Reduction.None), LossParameter("ls", 0.0)] public static partial class CeIndexWeightedSmoothNone;
[Loss(Formulas.CeIndexWeightedSmooth, Reduction = Reduction.Mean), LossParameter("ls", 0.0)] public static partial class CeIndexWeightedSmoothMean;
[Loss(Formulas.CeIndexWeightedSmooth, Reduction = Reduction.Sum), LossParameter("ls", 0.0)] public static partial class CeIndexWeightedSmoothSum;
[Loss(Formulas.CeIndexWeightedSmooth, Reduction = Reduction.None, IgnoreIndex = -100), LossParameter("ls", 0.0)] public static partial class CeIndexWeightedSmoothNoneIgnore;
[Loss(Formulas.CeIndexWeightedSmooth, Reduction = Reduction.Mean, IgnoreIndex = -100), LossParameter("ls", 0.0)] public static partial class CeIndexWeightedSmoothMeanIgnore;
[Loss(Formulas.CeIndexWeightedSmooth, Reduction = Reduction.Sum, IgnoreIndex = -100), LossParameter("ls", 0.0)] public static partial class CeIndexWeightedSmoothSumIgnore;

[Loss(Formulas.CeProb, Reduction = Reduction.None)] public static partial class CeProbNone;
[Loss(Formulas.CeProb, Reduction = Reduction.Mean)] public static partial class CeProbMean;
[Loss(Formulas.CeProb, Reduction = Reduction.Sum)] public static partial class CeProbSum;
[Loss(Formulas.CeProbSmooth, Reduction = Reduction.None), LossParameter("ls", 0.0)] public static partial class CeProbSmoothNone;
[Loss(Formulas.CeProbSmooth, Reduction = Reduction.Mean), LossParameter("ls", 0.0)] public static partial class CeProbSmoothMean;
[Loss(Formulas.CeProbSmooth, Reduction = Reduction.Sum), LossParameter("ls", 0.0)] public static partial class CeProbSmoothSum;
[Loss(Formulas.CeProbWeighted, Reduction = Reduction.None)] public static partial class CeProbWeightedNone;
[Loss(Formulas.CeProbWeighted, Reduction = Reduction.Mean)] public static partial class CeProbWeightedMean;
[Loss(Formulas.CeProbWeighted, Reduction = Reduction.Sum)] public static partial class CeProbWeightedSum;
[Loss(Formulas.CeProbWeightedSmooth, Reduction = Reduction.None), LossParameter("ls", 0.0)] public static partial class CeProbWeightedSmoothNone;
[Loss(Formulas.CeProbWeightedSmooth, Reduction = Reduction.Mean), LossParameter("ls", 0.0)] public static partial class CeProbWeightedSmoothMean;
[Loss(Formulas.CeProbWeightedSmooth, Reduction = Reduction.Sum), LossParameter("ls", 0.0)] public static partial class CeProbWeightedSmoothSum;

[Loss(Formulas.Nll, Reduction = Reduction.None)] public static partial class NllNone;
[Loss(Formulas.Nll, Reduction = Reduction.Mean)] public static partial class NllMean;
[Loss(Formulas.Nll, Reduction = Reduction.Sum)] public static partial class NllSum;
[Loss(Formulas.Nll, Reduction = Reduction.None, IgnoreIndex = -100)] public static partial class NllNoneIgnore;
[Loss(Formulas.Nll, Reduction = Reduction.Mean, IgnoreIndex = -100)] public static partial class NllMeanIgnore;
[Loss(Formulas.Nll, Reduction = Reduction.Sum, IgnoreIndex = -100)] public static partial class NllSumIgnore;
[Loss(Formulas.NllWeighted, Reduction = Reduction.None)] public static partial class NllWeightedNone;
[Loss(Formulas.NllWeighted, Reduction = Reduction.Mean)] public static partial class NllWeightedMean;
[Loss(Formulas.NllWeighted, Reduction = Reduction.Sum)] public static partial class NllWeightedSum;
[Loss(Formulas.NllWeighted, Reduction = Reduction.None, IgnoreIndex = -100)] public static partial class NllWeightedNoneIgnore;
[Loss(Formulas.NllWeighted, Reduction = Reduction.Mean, IgnoreIndex = -100)] public static partial class NllWeightedMeanIgnore;
[Loss(Formulas.NllWeighted, Reduction = Reduction.Sum, IgnoreIndex = -100)] public static partial class NllWeightedSumIgnore;

[Loss(Formulas.Bce, Reduction = Reduction.None)] public static partial class BceNone;
[Loss(Formulas.Bce, Reduction = Reduction.Mean)] public static partial class BceMean;
[Loss(Formulas.Bce, Reduction = Reduction.Sum)] public static partial class BceSum;
[Loss(Formulas.BceWithLogits, Reduction = Reduction.None)] public static partial class BceWithLogitsNone;
[Loss(Formulas.BceWithLogits, Reduction = Reduction.Mean)] public static partial class BceWithLogitsMean;
[Loss(Formulas.BceWithLogits, Reduction = Reduction.Sum)] public static partial class BceWithLogitsSum;

[Loss(Formulas.KlDiv, Reduction = Reduction.None)] public static partial class KlDivNone;
[Loss(Formulas.KlDiv, Reduction = Reduction.Mean)] public static partial class KlDivMean;
[Loss(Formulas.KlDiv, Reduction = Reduction.Sum)] public static partial class KlDivSum;
[Loss(Formulas.KlDiv, Reduction = Reduction.BatchMean)] public static partial class KlDivBatchMean;
[Loss(Formulas.KlDivLogTarget, Reduction = Reduction.None)] public static partial class KlDivLogTargetNone;
[Loss(Formulas.KlDivLogTarget, Reduction = Reduction.Mean)] public static partial class KlDivLogTargetMean;
[Loss(Formulas.KlDivLogTarget, Reduction = Reduction.Sum)] public static partial class KlDivLogTargetSum;
[Loss(Formulas.KlDivLogTarget, Reduction = Reduction.BatchMean)] public static partial class KlDivLogTargetBatchMean;

[Loss(Formulas.Mse, Reduction = Reduction.None)] public static partial class MseNone;
[Loss(Formulas.Mse, Reduction = Reduction.Mean)] public static partial class MseMean;
[Loss(Formulas.Mse, Reduction = Reduction.Sum)] public static partial class MseSum;
[Loss(Formulas.L1, Reduction = Reduction.None)] public static partial class L1None;
[Loss(Formulas.L1, Reduction = Reduction.Mean)] public static partial class L1Mean;
[Loss(Formulas.L1, Reduction = Reduction.Sum)] public static partial class L1Sum;
[Loss(Formulas.Huber, Reduction = Reduction.None), LossParameter("delta", 1.0)] public static partial class HuberNone;
[Loss(Formulas.Huber, Reduction = Reduction.Mean), LossParameter("delta", 1.0)] public static partial class HuberMean;
[Loss(Formulas.Huber, Reduction = Reduction.Sum), LossParameter("delta", 1.0)] public static partial class HuberSum;
[Loss(Formulas.SmoothL1, Reduction = Reduction.None), LossParameter("beta", 1.0)] public static partial class SmoothL1None;
[Loss(Formulas.SmoothL1, Reduction = Reduction.Mean), LossParameter("beta", 1.0)] public static partial class SmoothL1Mean;
[Loss(Formulas.SmoothL1, Reduction = Reduction.Sum), LossParameter("beta", 1.0)] public static partial class SmoothL1Sum;

[Loss(Formulas.PoissonLogInput, Reduction = Reduction.None)] public static partial class PoissonLogInputNone;
[Loss(Formulas.PoissonLogInput, Reduction = Reduction.Mean)] public static partial class PoissonLogInputMean;
[Loss(Formulas.PoissonLogInput, Reduction = Reduction.Sum)] public static partial class PoissonLogInputSum;
[Loss(Formulas.Poisson, Reduction = Reduction.None), LossParameter("eps", 1e-8)] public static partial class PoissonNone;
[Loss(Formulas.Poisson, Reduction = Reduction.Mean), LossParameter("eps", 1e-8)] public static partial class PoissonMean;
[Loss(Formulas.Poisson, Reduction = Reduction.Sum), LossParameter("eps", 1e-8)] public static partial class PoissonSum;

[Loss(Formulas.SoftMargin, Reduction = Reduction.None)] public static partial class SoftMarginNone;
[Loss(Formulas.SoftMargin, Reduction = Reduction.Mean)] public static partial class SoftMarginMean;
[Loss(Formulas.SoftMargin, Reduction = Reduction.Sum)] public static partial class SoftMarginSum;
[Loss(Formulas.SigmoidFocal, Reduction = Reduction.None), LossParameter("alpha", 0.25), LossParameter("gamma", 2.0)] public static partial class SigmoidFocalNone;
[Loss(Formulas.SigmoidFocal, Reduction = Reduction.Mean), LossParameter("alpha", 0.25), LossParameter("gamma", 2.0)] public static partial class SigmoidFocalMean;
[Loss(Formulas.SigmoidFocal, Reduction = Reduction.Sum), LossParameter("alpha", 0.25), LossParameter("gamma", 2.0)] public static partial class SigmoidFocalSum;
