// Losses that LossGen's analyzers flag. Each compiles, with a warning that points inside the string and names the
// stable spelling; running the program shows why the warnings matter: with confident logits the flagged forms
// return inf or NaN where their stable twins return the right numbers.
//
//   dotnet build samples/Misuse      (see the warnings)
//   dotnet run --project samples/Misuse
using System;
using System.Numerics.Tensors;
using LossGen;

// One sample, three classes; the model is very sure of class 0 and the target is class 2.
double[] logits = [800.0, 0.0, -800.0];
int[] target = [2];
double[] dense = [0.0, 0.0, 1.0];

Console.WriteLine("logits [800, 0, -800], target class 2 (one-hot [0, 0, 1])");
Console.WriteLine();
Show("LG0010  -log(softmax(x))[t]", LogOfSoftmax.ForwardBackward, "-log_softmax(x)[t]", StableCrossEntropy.ForwardBackward);
Show("LG0013  -log_softmax(softmax(x))[t]", DoubleSoftmax.ForwardBackward, "-log_softmax(x)[t]", StableCrossEntropy.ForwardBackward);

Console.WriteLine();
Console.WriteLine("binary, logits [800, 0, -800], targets [0, 0, 1]");
Console.WriteLine();
ShowDense("LG0011  -(y*log(sigmoid(x)) + ...)", LogOfSigmoid.ForwardBackward, "softplus(x) - x*y", StableBce.ForwardBackward);
ShowDense("LG0012  log(1 + exp(x)) - x*y", LogOnePlusExp.ForwardBackward, "softplus(x) - x*y", StableBce.ForwardBackward);

void Show(string flagged, Kernel unstable, string fixedForm, Kernel stable)
{
    var x = new ReadOnlyTensorSpan<double>(logits, [1, 3]);
    var t = new ReadOnlyTensorSpan<int>(target, [1]);
    double[] g1 = new double[3], g2 = new double[3];
    double l1 = unstable(x, t, new TensorSpan<double>(g1, [1, 3]));
    double l2 = stable(x, t, new TensorSpan<double>(g2, [1, 3]));
    Console.WriteLine($"  {flagged,-42} loss {l1,8:G5}  dL/dx [{string.Join(", ", g1)}]");
    Console.WriteLine($"  {"fixed:  " + fixedForm,-42} loss {l2,8:G5}  dL/dx [{string.Join(", ", g2)}]");
}

void ShowDense(string flagged, DenseKernel unstable, string fixedForm, DenseKernel stable)
{
    var x = new ReadOnlyTensorSpan<double>(logits, [1, 3]);
    var y = new ReadOnlyTensorSpan<double>(dense, [1, 3]);
    double[] g1 = new double[3], g2 = new double[3];
    double l1 = unstable(x, y, new TensorSpan<double>(g1, [1, 3]));
    double l2 = stable(x, y, new TensorSpan<double>(g2, [1, 3]));
    Console.WriteLine($"  {flagged,-42} loss {l1,8:G5}  dL/dx [{string.Join(", ", Array.ConvertAll(g1, v => v.ToString("G4")))}]");
    Console.WriteLine($"  {"fixed:  " + fixedForm,-42} loss {l2,8:G5}  dL/dx [{string.Join(", ", Array.ConvertAll(g2, v => v.ToString("G4")))}]");
}

delegate double Kernel(ReadOnlyTensorSpan<double> x, ReadOnlyTensorSpan<int> t, TensorSpan<double> dx, double dloss = 1);
delegate double DenseKernel(ReadOnlyTensorSpan<double> x, ReadOnlyTensorSpan<double> y, TensorSpan<double> dx, double dloss = 1);

/// <summary>LG0010: log of softmax. The probability of class 2 underflows to 0, its log to -inf.</summary>
[Loss("-log(softmax(x))[t]")]
static partial class LogOfSoftmax;

/// <summary>LG0013: softmax applied twice. The logits are squashed into [0, 1] before the real softmax.</summary>
[Loss("-log_softmax(softmax(x))[t]")]
static partial class DoubleSoftmax;

/// <summary>LG0011: log of sigmoid. sigmoid(-800) underflows to 0.</summary>
[Loss("-(y*log(sigmoid(x)) + (1 - y)*log(1 - sigmoid(x)))")]
static partial class LogOfSigmoid;

/// <summary>LG0012: log(1 + exp(x)). exp(800) overflows to inf.</summary>
[Loss("log(1 + exp(x)) - x*y")]
static partial class LogOnePlusExp;

/// <summary>LG0019 and LG0020: an IgnoreIndex on a loss without class indices, and a hyper-parameter it never uses.</summary>
[Loss("(x - y)^2", IgnoreIndex = -100)]
[LossParameter("delta", 1.0)]
static partial class Mse;

/// <summary>The stable spellings.</summary>
[Loss("-log_softmax(x)[t]")]
static partial class StableCrossEntropy;

[Loss("softplus(x) - x*y")]
static partial class StableBce;
