// The PyTorch reference data through the canned attributes: one class per distinct
// (attribute, options, reduction) the 417 cases need, plus the derived checks (IgnoreIndex = 3, Poisson's
// default Eps). Options are written as a user writes them: defaults left out, so the generator's own
// defaults are what the data checks. CannedSuite maps each case to an attribute instance and finds the class
// carrying an equal attribute by reflection; CannedConformanceTests.Declarations_AreAllUsed fails on a class
// no case reaches, and a missing class fails with the declaration line to add.
namespace LossGen.Conformance.Tests.Canned;

// cross_entropy, class indices (IgnoreIndex = -100 by default, as PyTorch: every index class ignores -100)
[CrossEntropyLoss(Reduction = Reduction.None)] public static partial class CrossEntropyIndexNone;
[CrossEntropyLoss] public static partial class CrossEntropyIndexMean;
[CrossEntropyLoss(Reduction = Reduction.Sum)] public static partial class CrossEntropyIndexSum;
[CrossEntropyLoss(LabelSmoothing = 0.1, Reduction = Reduction.None)] public static partial class CrossEntropyIndexSmoothNone;
[CrossEntropyLoss(LabelSmoothing = 0.1)] public static partial class CrossEntropyIndexSmoothMean;
[CrossEntropyLoss(LabelSmoothing = 0.1, Reduction = Reduction.Sum)] public static partial class CrossEntropyIndexSmoothSum;
[CrossEntropyLoss(Weighted = true, Reduction = Reduction.None)] public static partial class CrossEntropyIndexWeightedNone;
[CrossEntropyLoss(Weighted = true)] public static partial class CrossEntropyIndexWeightedMean;
[CrossEntropyLoss(Weighted = true, Reduction = Reduction.Sum)] public static partial class CrossEntropyIndexWeightedSum;
[CrossEntropyLoss(Weighted = true, LabelSmoothing = 0.1, Reduction = Reduction.None)] public static partial class CrossEntropyIndexWeightedSmoothNone;
[CrossEntropyLoss(Weighted = true, LabelSmoothing = 0.1)] public static partial class CrossEntropyIndexWeightedSmoothMean;
[CrossEntropyLoss(Weighted = true, LabelSmoothing = 0.1, Reduction = Reduction.Sum)] public static partial class CrossEntropyIndexWeightedSmoothSum;

// cross_entropy, probabilities
[CrossEntropyLoss(Target = TargetKind.Probabilities, Reduction = Reduction.None)] public static partial class CrossEntropyProbNone;
[CrossEntropyLoss(Target = TargetKind.Probabilities)] public static partial class CrossEntropyProbMean;
[CrossEntropyLoss(Target = TargetKind.Probabilities, Reduction = Reduction.Sum)] public static partial class CrossEntropyProbSum;
[CrossEntropyLoss(Target = TargetKind.Probabilities, LabelSmoothing = 0.1, Reduction = Reduction.None)] public static partial class CrossEntropyProbSmoothNone;
[CrossEntropyLoss(Target = TargetKind.Probabilities, LabelSmoothing = 0.1)] public static partial class CrossEntropyProbSmoothMean;
[CrossEntropyLoss(Target = TargetKind.Probabilities, LabelSmoothing = 0.1, Reduction = Reduction.Sum)] public static partial class CrossEntropyProbSmoothSum;
[CrossEntropyLoss(Target = TargetKind.Probabilities, Weighted = true, Reduction = Reduction.None)] public static partial class CrossEntropyProbWeightedNone;
[CrossEntropyLoss(Target = TargetKind.Probabilities, Weighted = true)] public static partial class CrossEntropyProbWeightedMean;
[CrossEntropyLoss(Target = TargetKind.Probabilities, Weighted = true, Reduction = Reduction.Sum)] public static partial class CrossEntropyProbWeightedSum;
[CrossEntropyLoss(Target = TargetKind.Probabilities, Weighted = true, LabelSmoothing = 0.1, Reduction = Reduction.None)] public static partial class CrossEntropyProbWeightedSmoothNone;
[CrossEntropyLoss(Target = TargetKind.Probabilities, Weighted = true, LabelSmoothing = 0.1)] public static partial class CrossEntropyProbWeightedSmoothMean;
[CrossEntropyLoss(Target = TargetKind.Probabilities, Weighted = true, LabelSmoothing = 0.1, Reduction = Reduction.Sum)] public static partial class CrossEntropyProbWeightedSmoothSum;

// nll_loss
[NllLoss(Reduction = Reduction.None)] public static partial class NllNone;
[NllLoss] public static partial class NllMean;
[NllLoss(Reduction = Reduction.Sum)] public static partial class NllSum;
[NllLoss(Weighted = true, Reduction = Reduction.None)] public static partial class NllWeightedNone;
[NllLoss(Weighted = true)] public static partial class NllWeightedMean;
[NllLoss(Weighted = true, Reduction = Reduction.Sum)] public static partial class NllWeightedSum;

// binary_cross_entropy (w has x's shape; y is not differentiated: no dy overloads)
[BinaryCrossEntropyLoss(Reduction = Reduction.None)] public static partial class BceNone;
[BinaryCrossEntropyLoss] public static partial class BceMean;
[BinaryCrossEntropyLoss(Reduction = Reduction.Sum)] public static partial class BceSum;
[BinaryCrossEntropyLoss(Weighted = true, Reduction = Reduction.None)] public static partial class BceWeightedNone;
[BinaryCrossEntropyLoss(Weighted = true)] public static partial class BceWeightedMean;
[BinaryCrossEntropyLoss(Weighted = true, Reduction = Reduction.Sum)] public static partial class BceWeightedSum;

// binary_cross_entropy_with_logits (w has x's shape, posWeight the last axis of x)
[BinaryCrossEntropyWithLogitsLoss(Reduction = Reduction.None)] public static partial class BceWithLogitsNone;
[BinaryCrossEntropyWithLogitsLoss] public static partial class BceWithLogitsMean;
[BinaryCrossEntropyWithLogitsLoss(Reduction = Reduction.Sum)] public static partial class BceWithLogitsSum;
[BinaryCrossEntropyWithLogitsLoss(Weighted = true, Reduction = Reduction.None)] public static partial class BceWithLogitsWeightedNone;
[BinaryCrossEntropyWithLogitsLoss(Weighted = true)] public static partial class BceWithLogitsWeightedMean;
[BinaryCrossEntropyWithLogitsLoss(Weighted = true, Reduction = Reduction.Sum)] public static partial class BceWithLogitsWeightedSum;
[BinaryCrossEntropyWithLogitsLoss(PosWeighted = true, Reduction = Reduction.None)] public static partial class BceWithLogitsPosWeightedNone;
[BinaryCrossEntropyWithLogitsLoss(PosWeighted = true)] public static partial class BceWithLogitsPosWeightedMean;
[BinaryCrossEntropyWithLogitsLoss(PosWeighted = true, Reduction = Reduction.Sum)] public static partial class BceWithLogitsPosWeightedSum;
[BinaryCrossEntropyWithLogitsLoss(Weighted = true, PosWeighted = true, Reduction = Reduction.None)] public static partial class BceWithLogitsWeightedPosWeightedNone;
[BinaryCrossEntropyWithLogitsLoss(Weighted = true, PosWeighted = true)] public static partial class BceWithLogitsWeightedPosWeightedMean;
[BinaryCrossEntropyWithLogitsLoss(Weighted = true, PosWeighted = true, Reduction = Reduction.Sum)] public static partial class BceWithLogitsWeightedPosWeightedSum;

// kl_div
[KLDivLoss(Reduction = Reduction.None)] public static partial class KlDivNone;
[KLDivLoss] public static partial class KlDivMean;
[KLDivLoss(Reduction = Reduction.Sum)] public static partial class KlDivSum;
[KLDivLoss(LogTarget = true, Reduction = Reduction.None)] public static partial class KlDivLogTargetNone;
[KLDivLoss(LogTarget = true)] public static partial class KlDivLogTargetMean;
[KLDivLoss(LogTarget = true, Reduction = Reduction.Sum)] public static partial class KlDivLogTargetSum;

// mse_loss, l1_loss
[MseLoss(Reduction = Reduction.None)] public static partial class MseNone;
[MseLoss] public static partial class MseMean;
[MseLoss(Reduction = Reduction.Sum)] public static partial class MseSum;
[L1Loss(Reduction = Reduction.None)] public static partial class L1None;
[L1Loss] public static partial class L1Mean;
[L1Loss(Reduction = Reduction.Sum)] public static partial class L1Sum;

// smooth_l1_loss (beta 1 = the default, 0.5), huber_loss (delta 1 = the default, 2)
[SmoothL1Loss(Reduction = Reduction.None)] public static partial class SmoothL1Beta1None;
[SmoothL1Loss] public static partial class SmoothL1Beta1Mean;
[SmoothL1Loss(Reduction = Reduction.Sum)] public static partial class SmoothL1Beta1Sum;
[SmoothL1Loss(Beta = 0.5, Reduction = Reduction.None)] public static partial class SmoothL1Beta05None;
[SmoothL1Loss(Beta = 0.5)] public static partial class SmoothL1Beta05Mean;
[SmoothL1Loss(Beta = 0.5, Reduction = Reduction.Sum)] public static partial class SmoothL1Beta05Sum;
[HuberLoss(Reduction = Reduction.None)] public static partial class HuberDelta1None;
[HuberLoss] public static partial class HuberDelta1Mean;
[HuberLoss(Reduction = Reduction.Sum)] public static partial class HuberDelta1Sum;
[HuberLoss(Delta = 2.0, Reduction = Reduction.None)] public static partial class HuberDelta2None;
[HuberLoss(Delta = 2.0)] public static partial class HuberDelta2Mean;
[HuberLoss(Delta = 2.0, Reduction = Reduction.Sum)] public static partial class HuberDelta2Sum;

// poisson_nll_loss, log_input = True (eps is not used)
[PoissonNllLoss(Reduction = Reduction.None)] public static partial class PoissonLogInputNone;
[PoissonNllLoss] public static partial class PoissonLogInputMean;
[PoissonNllLoss(Reduction = Reduction.Sum)] public static partial class PoissonLogInputSum;
[PoissonNllLoss(Full = true, Reduction = Reduction.None)] public static partial class PoissonLogInputFullNone;
[PoissonNllLoss(Full = true)] public static partial class PoissonLogInputFullMean;
[PoissonNllLoss(Full = true, Reduction = Reduction.Sum)] public static partial class PoissonLogInputFullSum;

// poisson_nll_loss, log_input = False. The reference data was computed with eps = 0, not the kwargs' 1e-8:
// TorchSharp 0.107 declares THSNN_poisson_loss's eps as float while libtorch reads a double, so libtorch saw a
// denormal (loss and gradient match x - y*log(x) to the last bit). These classes declare what was computed;
// the *DefaultEps classes below keep PoissonNllLoss's default Eps = 1e-8 and are checked against the
// reference corrected exactly (CannedConformanceTests.PoissonDefaultEps).
[PoissonNllLoss(LogInput = false, Eps = 0, Reduction = Reduction.None)] public static partial class PoissonRatesEps0None;
[PoissonNllLoss(LogInput = false, Eps = 0)] public static partial class PoissonRatesEps0Mean;
[PoissonNllLoss(LogInput = false, Eps = 0, Reduction = Reduction.Sum)] public static partial class PoissonRatesEps0Sum;
[PoissonNllLoss(LogInput = false, Eps = 0, Full = true, Reduction = Reduction.None)] public static partial class PoissonRatesEps0FullNone;
[PoissonNllLoss(LogInput = false, Eps = 0, Full = true)] public static partial class PoissonRatesEps0FullMean;
[PoissonNllLoss(LogInput = false, Eps = 0, Full = true, Reduction = Reduction.Sum)] public static partial class PoissonRatesEps0FullSum;
[PoissonNllLoss(LogInput = false, Reduction = Reduction.None)] public static partial class PoissonRatesDefaultEpsNone;
[PoissonNllLoss(LogInput = false)] public static partial class PoissonRatesDefaultEpsMean;
[PoissonNllLoss(LogInput = false, Reduction = Reduction.Sum)] public static partial class PoissonRatesDefaultEpsSum;
[PoissonNllLoss(LogInput = false, Full = true, Reduction = Reduction.None)] public static partial class PoissonRatesDefaultEpsFullNone;
[PoissonNllLoss(LogInput = false, Full = true)] public static partial class PoissonRatesDefaultEpsFullMean;
[PoissonNllLoss(LogInput = false, Full = true, Reduction = Reduction.Sum)] public static partial class PoissonRatesDefaultEpsFullSum;

// soft_margin_loss, torchvision sigmoid_focal_loss (alpha 0.25, gamma 2: the defaults)
[SoftMarginLoss(Reduction = Reduction.None)] public static partial class SoftMarginNone;
[SoftMarginLoss] public static partial class SoftMarginMean;
[SoftMarginLoss(Reduction = Reduction.Sum)] public static partial class SoftMarginSum;
[SigmoidFocalLoss(Reduction = Reduction.None)] public static partial class SigmoidFocalNone;
[SigmoidFocalLoss] public static partial class SigmoidFocalMean;
[SigmoidFocalLoss(Reduction = Reduction.Sum)] public static partial class SigmoidFocalSum;

// Another ignore index: IgnoreIndex = 3, run on the ignoring cases with -100 replaced by 3 (CannedSuite.WithIgnoreIndex3)
// and on the corner cases of CannedCornerTests, where 3 is also a real class of the batch.
[CrossEntropyLoss(IgnoreIndex = 3, Reduction = Reduction.None)] public static partial class CrossEntropyIndexIgnore3None;
[CrossEntropyLoss(IgnoreIndex = 3)] public static partial class CrossEntropyIndexIgnore3Mean;
[CrossEntropyLoss(IgnoreIndex = 3, Reduction = Reduction.Sum)] public static partial class CrossEntropyIndexIgnore3Sum;
[CrossEntropyLoss(IgnoreIndex = 3, LabelSmoothing = 0.1, Reduction = Reduction.None)] public static partial class CrossEntropyIndexIgnore3SmoothNone;
[CrossEntropyLoss(IgnoreIndex = 3, LabelSmoothing = 0.1)] public static partial class CrossEntropyIndexIgnore3SmoothMean;
[CrossEntropyLoss(IgnoreIndex = 3, LabelSmoothing = 0.1, Reduction = Reduction.Sum)] public static partial class CrossEntropyIndexIgnore3SmoothSum;
[CrossEntropyLoss(IgnoreIndex = 3, Weighted = true, Reduction = Reduction.None)] public static partial class CrossEntropyIndexIgnore3WeightedNone;
[CrossEntropyLoss(IgnoreIndex = 3, Weighted = true)] public static partial class CrossEntropyIndexIgnore3WeightedMean;
[CrossEntropyLoss(IgnoreIndex = 3, Weighted = true, Reduction = Reduction.Sum)] public static partial class CrossEntropyIndexIgnore3WeightedSum;
[CrossEntropyLoss(IgnoreIndex = 3, Weighted = true, LabelSmoothing = 0.1, Reduction = Reduction.None)] public static partial class CrossEntropyIndexIgnore3WeightedSmoothNone;
[CrossEntropyLoss(IgnoreIndex = 3, Weighted = true, LabelSmoothing = 0.1)] public static partial class CrossEntropyIndexIgnore3WeightedSmoothMean;
[CrossEntropyLoss(IgnoreIndex = 3, Weighted = true, LabelSmoothing = 0.1, Reduction = Reduction.Sum)] public static partial class CrossEntropyIndexIgnore3WeightedSmoothSum;
[NllLoss(IgnoreIndex = 3, Reduction = Reduction.None)] public static partial class NllIgnore3None;
[NllLoss(IgnoreIndex = 3)] public static partial class NllIgnore3Mean;
[NllLoss(IgnoreIndex = 3, Reduction = Reduction.Sum)] public static partial class NllIgnore3Sum;
[NllLoss(IgnoreIndex = 3, Weighted = true, Reduction = Reduction.None)] public static partial class NllIgnore3WeightedNone;
[NllLoss(IgnoreIndex = 3, Weighted = true)] public static partial class NllIgnore3WeightedMean;
[NllLoss(IgnoreIndex = 3, Weighted = true, Reduction = Reduction.Sum)] public static partial class NllIgnore3WeightedSum;
