using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;

namespace LossGen.Conformance.Tests;

/// <summary>
/// PyTorch's cross_entropy, nll_loss and binary_cross_entropy_with_logits written out in plain double arithmetic,
/// independent of the generator, for inputs no reference case has (extreme logits, another ignore index).
/// <see cref="CannedCornerTests.IndependentReference_MatchesPyTorchData"/> holds it to the PyTorch data first.
/// Options come from the canned attribute the result is meant for.
/// </summary>
public static class IndependentReference
{
    /// <summary>Outputs "loss", "grad_x" and, where PyTorch differentiates the target, "grad_y" (the reference data's names).</summary>
    public static Dictionary<string, RefTensor> Compute(CannedLossAttribute a, IReadOnlyDictionary<string, RefTensor> inputs, RefTensor gradOutput) => a switch
    {
        CrossEntropyLossAttribute { Target: TargetKind.ClassIndices } ce =>
            ClassIndex(true, inputs, ce.Weighted, ce.LabelSmoothing, ce.IgnoreIndex, ce.Reduction, gradOutput),
        NllLossAttribute nll => ClassIndex(false, inputs, nll.Weighted, 0, nll.IgnoreIndex, nll.Reduction, gradOutput),
        CrossEntropyLossAttribute ce => Probabilities(inputs, ce.Weighted, ce.LabelSmoothing, ce.Reduction, gradOutput),
        BinaryCrossEntropyWithLogitsLossAttribute b => BceWithLogits(inputs, b.Weighted, b.PosWeighted, b.Reduction, gradOutput),
        _ => throw new NotSupportedException(a.GetType().Name),
    };

    /// <summary>A synthetic reference case: the inputs, the upstream gradient, and outputs from <see cref="Compute"/> (or given).</summary>
    public static RefCase Case(string id, IReadOnlyDictionary<string, RefTensor> inputs, RefTensor gradOutput, IReadOnlyDictionary<string, RefTensor> outputs) =>
        new(id, "synthetic", "", new Dictionary<string, JsonElement>(), inputs, gradOutput, outputs);

    public static RefTensor Tensor(int[] shape, params double[] data) =>
        data.Length == shape.Aggregate(1, (p, s) => p * s) ? new(shape, "float64", data) : throw new ArgumentException("data does not fill the shape");

    /// <summary>(N, C, S): batch, classes, positions per sample; rank 1 is one unbatched sample [C].</summary>
    private static (int N, int C, int S) Layout(int[] shape) =>
        shape.Length == 1 ? (1, shape[0], 1) : (shape[0], shape[1], shape.Skip(2).Aggregate(1, (p, s) => p * s));

    /// <summary>The shape of a per-position loss: x's shape without the class axis ([] for one unbatched sample).</summary>
    private static int[] PositionShape(int[] shape) => shape.Length == 1 ? [] : [shape[0], .. shape.Skip(2)];

    /// <summary>The stable log-sum-exp parts of one position: max m and log(sum exp(x - m)), so lse - x[c] = (m - x[c]) + logSum.</summary>
    private static (double Max, double LogSum, double[] Softmax) LogSumExp(Func<int, double> x, int classes)
    {
        double m = Enumerable.Range(0, classes).Max(x);
        double[] e = Enumerable.Range(0, classes).Select(c => Math.Exp(x(c) - m)).ToArray();
        double sum = e.Sum();
        return (m, Math.Log(sum), e.Select(v => v / sum).ToArray());
    }

    /// <summary>
    /// cross_entropy (logits) or nll_loss (log-probabilities) with class indices. Per counted position p with target k:
    /// (1 - ls)*w[k]*(lse - x[k]) + ls/C * sum_c w[c]*(lse - x[c]) (nll_loss: -w[k]*x[k]); ignored positions add 0 and
    /// get zero gradient; Mean divides by the sum of w[k] over counted positions (0/0 = NaN when none count).
    /// </summary>
    private static Dictionary<string, RefTensor> ClassIndex(bool logits, IReadOnlyDictionary<string, RefTensor> inputs, bool weighted,
        double ls, int ignoreIndex, Reduction reduction, RefTensor gradOutput)
    {
        RefTensor x = inputs["x"], t = inputs["t"];
        (int n, int classes, int s) = Layout(x.Shape);
        double[] w = weighted ? inputs["w"].Data : Enumerable.Repeat(1.0, classes).ToArray();
        double wSum = w.Sum();
        var loss = new double[n * s];
        var local = new double[x.Data.Length]; // d loss[p] / dx, per position
        var counted = new List<int>();
        double denominator = 0;
        for (int b = 0; b < n; b++)
            for (int j = 0; j < s; j++)
            {
                int p = b * s + j;
                int Index(int c) => (b * classes + c) * s + j;
                double target = t.Data[p];
                if (target == ignoreIndex)
                    continue;
                int k = checked((int)target);
                counted.Add(p);
                denominator += w[k];
                if (!logits)
                {
                    loss[p] = -w[k] * x.Data[Index(k)];
                    local[Index(k)] = -w[k];
                    continue;
                }
                var (m, logSum, softmax) = LogSumExp(c => x.Data[Index(c)], classes);
                double smooth = Enumerable.Range(0, classes).Sum(c => w[c] * (m - x.Data[Index(c)] + logSum)) / classes;
                loss[p] = (1 - ls) * w[k] * (m - x.Data[Index(k)] + logSum) + ls * smooth;
                for (int c = 0; c < classes; c++)
                    local[Index(c)] = (1 - ls) * w[k] * (softmax[c] - (c == k ? 1 : 0)) + ls / classes * (wSum * softmax[c] - w[c]);
            }

        var gradX = new double[x.Data.Length];
        foreach (int p in counted)
        {
            double upstream = reduction switch
            {
                Reduction.None => gradOutput.Data[p],
                Reduction.Sum => gradOutput.Data[0],
                Reduction.Mean => gradOutput.Data[0] / denominator,
                _ => throw new NotSupportedException(reduction.ToString()),
            };
            int b = p / s, j = p % s;
            for (int c = 0; c < classes; c++)
                gradX[(b * classes + c) * s + j] = local[(b * classes + c) * s + j] * upstream;
        }
        return new Dictionary<string, RefTensor>
        {
            ["loss"] = Reduce(loss, t.Shape, reduction, denominator),
            ["grad_x"] = x with { Data = gradX },
        };
    }

    /// <summary>
    /// cross_entropy with probabilities: the target smoothed to y' = (1 - ls)*y + ls/C, loss -sum_c w[c]*y'[c]*log_softmax(x)[c]
    /// per position, Mean over positions; dx = sum_c(w*y')*softmax - w*y', dy = -(1 - ls)*w*log_softmax(x).
    /// </summary>
    private static Dictionary<string, RefTensor> Probabilities(IReadOnlyDictionary<string, RefTensor> inputs, bool weighted, double ls,
        Reduction reduction, RefTensor gradOutput)
    {
        RefTensor x = inputs["x"], y = inputs["y"];
        (int n, int classes, int s) = Layout(x.Shape);
        double[] w = weighted ? inputs["w"].Data : Enumerable.Repeat(1.0, classes).ToArray();
        var loss = new double[n * s];
        double[] gradX = new double[x.Data.Length], gradY = new double[x.Data.Length];
        for (int b = 0; b < n; b++)
            for (int j = 0; j < s; j++)
            {
                int p = b * s + j;
                int Index(int c) => (b * classes + c) * s + j;
                double upstream = reduction switch
                {
                    Reduction.None => gradOutput.Data[p],
                    Reduction.Sum => gradOutput.Data[0],
                    Reduction.Mean => gradOutput.Data[0] / (n * s),
                    _ => throw new NotSupportedException(reduction.ToString()),
                };
                var (m, logSum, softmax) = LogSumExp(c => x.Data[Index(c)], classes);
                double[] smoothed = Enumerable.Range(0, classes).Select(c => (1 - ls) * y.Data[Index(c)] + ls / classes).ToArray();
                double totalWeight = Enumerable.Range(0, classes).Sum(c => w[c] * smoothed[c]);
                for (int c = 0; c < classes; c++)
                {
                    double logSoftmax = x.Data[Index(c)] - m - logSum;
                    loss[p] -= w[c] * smoothed[c] * logSoftmax;
                    gradX[Index(c)] = (totalWeight * softmax[c] - w[c] * smoothed[c]) * upstream;
                    gradY[Index(c)] = -(1 - ls) * w[c] * logSoftmax * upstream;
                }
            }
        return new Dictionary<string, RefTensor>
        {
            ["loss"] = Reduce(loss, PositionShape(x.Shape), reduction, n * s),
            ["grad_x"] = x with { Data = gradX },
            ["grad_y"] = x with { Data = gradY },
        };
    }

    /// <summary>
    /// binary_cross_entropy_with_logits, elementwise: w*((1 - y)*x + (1 + (pw - 1)*y)*softplus(-x)) with pw along the last
    /// axis (1 without pos_weight); dx = w*((1 - y) - (1 + (pw - 1)*y)*sigmoid(-x)), dy = w*(-x + (pw - 1)*softplus(-x)).
    /// softplus(z) = max(z, 0) + log1p(exp(-|z|)).
    /// </summary>
    private static Dictionary<string, RefTensor> BceWithLogits(IReadOnlyDictionary<string, RefTensor> inputs, bool weighted, bool posWeighted,
        Reduction reduction, RefTensor gradOutput)
    {
        RefTensor x = inputs["x"], y = inputs["y"];
        int count = x.Data.Length, last = x.Shape[^1];
        static double Softplus(double z) => Math.Max(z, 0) + double.LogP1(Math.Exp(-Math.Abs(z)));
        static double Sigmoid(double z) => z >= 0 ? 1 / (1 + Math.Exp(-z)) : Math.Exp(z) / (1 + Math.Exp(z));
        double[] loss = new double[count], gradX = new double[count], gradY = new double[count];
        for (int i = 0; i < count; i++)
        {
            double xi = x.Data[i], yi = y.Data[i];
            double w = weighted ? inputs["w"].Data[i] : 1;
            double pw = posWeighted ? inputs["pos_weight"].Data[i % last] : 1;
            double upstream = reduction switch
            {
                Reduction.None => gradOutput.Data[i],
                Reduction.Sum => gradOutput.Data[0],
                Reduction.Mean => gradOutput.Data[0] / count,
                _ => throw new NotSupportedException(reduction.ToString()),
            };
            double coefficient = 1 + (pw - 1) * yi;
            loss[i] = w * ((1 - yi) * xi + coefficient * Softplus(-xi));
            gradX[i] = w * ((1 - yi) - coefficient * Sigmoid(-xi)) * upstream;
            gradY[i] = w * (-xi + (pw - 1) * Softplus(-xi)) * upstream;
        }
        return new Dictionary<string, RefTensor>
        {
            ["loss"] = Reduce(loss, x.Shape, reduction, count),
            ["grad_x"] = x with { Data = gradX },
            ["grad_y"] = x with { Data = gradY },
        };
    }

    private static RefTensor Reduce(double[] perPosition, int[] shape, Reduction reduction, double meanDenominator) => reduction switch
    {
        Reduction.None => new RefTensor(shape, "float64", perPosition),
        Reduction.Sum => new RefTensor([], "float64", [perPosition.Sum()]),
        Reduction.Mean => new RefTensor([], "float64", [perPosition.Sum() / meanDenominator]),
        _ => throw new NotSupportedException(reduction.ToString()),
    };
}
