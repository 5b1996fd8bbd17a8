// A focal loss written in LossGen's expression language, with its hyper-parameters, beside its canned twin
// [SigmoidFocalLoss] (torchvision's sigmoid_focal_loss): the two are compiled by the same compiler from different
// spellings, and agree to rounding, in the loss and in the gradient.
//
//   dotnet run --project samples/CustomFocal
using System;
using System.Numerics.Tensors;
using LossGen;

// A batch of 64 samples with 5 independent binary labels each (multi-label classification), logits in [-6, 6].
const int N = 64, C = 5;
var random = new Random(7);
double[] logits = new double[N * C], labels = new double[N * C];
for (int i = 0; i < logits.Length; i++)
{
    logits[i] = random.NextDouble() * 12 - 6;
    labels[i] = random.NextDouble() < 0.3 ? 1 : 0;
}

bool agree = true;

Console.WriteLine("Focal loss written in the language vs. the canned [SigmoidFocalLoss], mean over 64 x 5 logits");
Console.WriteLine();

// 1. The defaults: alpha = 0.25, gamma = 2 on both sides.
agree &= Compare("alpha 0.25, gamma 2 (defaults)",
    dx => Focal.ForwardBackward(X(), Y(), dx),
    dx => CannedFocal.ForwardBackward(X(), Y(), dx));

// 2. Other hyper-parameters: passed as arguments to the custom loss, fixed in the canned attribute.
agree &= Compare("alpha 0.5, gamma 1",
    dx => Focal.ForwardBackward(X(), Y(), dx, alpha: 0.5, gamma: 1.0),
    dx => CannedFocalHalf.ForwardBackward(X(), Y(), dx));

// 3. gamma = 0 turns the focal term off: what is left is alpha-weighted BCE with logits.
agree &= Compare("alpha 0.5, gamma 0 vs. 0.5 * BCE with logits",
    dx => Focal.ForwardBackward(X(), Y(), dx, alpha: 0.5, gamma: 0.0),
    dx => BceWithLogits.ForwardBackward(X(), Y(), dx, dloss: 0.5) * 0.5);

Console.WriteLine(agree ? "The custom loss and its canned twin agree." : "MISMATCH");
return agree ? 0 : 1;

ReadOnlyTensorSpan<double> X() => new(logits, [N, C]);
ReadOnlyTensorSpan<double> Y() => new(labels, [N, C]);

bool Compare(string title, Func<TensorSpan<double>, double> custom, Func<TensorSpan<double>, double> canned)
{
    double[] dxCustom = new double[N * C], dxCanned = new double[N * C];
    double lossCustom = custom(new TensorSpan<double>(dxCustom, [N, C]));
    double lossCanned = canned(new TensorSpan<double>(dxCanned, [N, C]));
    double maxGradientDifference = 0, maxGradient = 0;
    for (int i = 0; i < dxCustom.Length; i++)
    {
        maxGradientDifference = Math.Max(maxGradientDifference, Math.Abs(dxCustom[i] - dxCanned[i]));
        maxGradient = Math.Max(maxGradient, Math.Abs(dxCanned[i]));
    }

    bool same = Math.Abs(lossCustom - lossCanned) <= 1e-12 * Math.Abs(lossCanned) && maxGradientDifference <= 1e-12 * maxGradient;
    Console.WriteLine(title);
    Console.WriteLine($"  custom [Loss]          loss = {lossCustom:R}");
    Console.WriteLine($"  canned                 loss = {lossCanned:R}");
    Console.WriteLine($"  |loss difference|           = {Math.Abs(lossCustom - lossCanned):E2}");
    Console.WriteLine($"  max |dL/dx difference|      = {maxGradientDifference:E2}   (max |dL/dx| = {maxGradient:E2})   {(same ? "agree" : "DIFFER")}");
    Console.WriteLine();
    return same;
}

/// <summary>
/// Sigmoid focal loss (Lin et al., 2017), spelled out: p is the predicted probability, ce the binary cross entropy
/// with logits, pt the probability of the true label, at the class-balance weight.
/// </summary>
[Loss("p = sigmoid(x); ce = softplus(x) - x*y; pt = p*y + (1 - p)*(1 - y); at = alpha*y + (1 - alpha)*(1 - y); at * (1 - pt)^gamma * ce")]
[LossParameter("alpha", 0.25)]
[LossParameter("gamma", 2.0)]
static partial class Focal;

/// <summary>torchvision's sigmoid_focal_loss with its defaults, canned.</summary>
[SigmoidFocalLoss]
static partial class CannedFocal;

[SigmoidFocalLoss(Alpha = 0.5, Gamma = 1.0)]
static partial class CannedFocalHalf;

[BinaryCrossEntropyWithLogitsLoss]
static partial class BceWithLogits;
