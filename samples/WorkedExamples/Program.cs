// The three worked examples people ask about, each computed by a loss LossGen compiled from its formula.
using System;
using System.Numerics.Tensors;
using LossGen;

// A batch of one 2x2 image with 3 classes, PyTorch layout [N, C, H, W]. These are probabilities (each pixel's
// three values add up to 1), not logits.
double[] probabilities = [0.1, 0.3, 0.4, 0.5, 0.2, 0.3, 0.4, 0.5, 0.7, 0.4, 0.2, 0.0];
int[] targets = [2, 2, 0, 1];
var p = new ReadOnlyTensorSpan<double>(probabilities, [1, 3, 2, 2]);
var t = new ReadOnlyTensorSpan<int>(targets, [1, 2, 2]);

Console.WriteLine("1. Cross entropy fed probabilities as if they were logits");
Console.WriteLine($"   CrossEntropy(probabilities)        = {CrossEntropy.Forward(p, t):F4}   (PyTorch prints 0.9488: wrong, softmax is applied to probabilities)");
Console.WriteLine($"   ProbabilityNll(probabilities), sum = {ProbabilityNll.Forward(p, t):F4}   (the right loss for probabilities: -log p[t])");
Console.WriteLine($"   the same, averaged                 = {ProbabilityNll.Forward(p, t) / 4:F4}");
Console.WriteLine();

Console.WriteLine("2. NLL of log-probabilities, reduction sum");
double[] logProbabilities = Array.ConvertAll(probabilities, Math.Log);
var logP = new ReadOnlyTensorSpan<double>(logProbabilities, [1, 3, 2, 2]);
Console.WriteLine($"   NllSum(log(probabilities))         = {NllSum.Forward(logP, t):F4}   (PyTorch: 2.8824)");
Console.WriteLine();

Console.WriteLine("3. Soft-label cross entropy: DenseCrossEntropy = -sum(y * log_softmax(x))");
double[] logits = [1.0, -0.5, 2.0];
double[] soft = [0.1, 0.2, 0.7];
double[] dx = new double[3];
double loss = DenseCrossEntropy.ForwardBackward(new ReadOnlyTensorSpan<double>(logits, [1, 3]), new ReadOnlyTensorSpan<double>(soft, [1, 3]), new TensorSpan<double>(dx, [1, 3]));
Console.WriteLine($"   loss  = {loss:F4}   (PyTorch: 0.9715)");
Console.WriteLine($"   dL/dx = [{string.Join(", ", Array.ConvertAll(dx, v => v.ToString("F4")))}]   (softmax(x) * sum(y) - y)");

/// <summary>Cross entropy with class indices: x are logits.</summary>
[Loss("logsumexp(x) - x[t]")]
static partial class CrossEntropy;

/// <summary>Negative log-likelihood of probabilities: x are probabilities.</summary>
[Loss("-log(x[t])", Reduction = Reduction.Sum)]
static partial class ProbabilityNll;

/// <summary>PyTorch's nll_loss: x are log-probabilities.</summary>
[Loss("-x[t]", Reduction = Reduction.Sum)]
static partial class NllSum;

/// <summary>Soft-label cross entropy.</summary>
[Loss("-sum(y * log_softmax(x))")]
static partial class DenseCrossEntropy;
