using System;
using System.Collections.Generic;
using System.Linq;

namespace LossGen.Bench;

/// <summary>One row's inputs and output buffers, allocated once and reused by every call (warm buffers).</summary>
internal sealed class Workload : IDisposable
{
    public RowCatalog.Spec Spec { get; }
    private readonly float[] _x;
    private readonly int[]? _t;
    private readonly float[]? _y;
    private readonly float[] _dx;
    private readonly float[] _dxComposed;
    private readonly float[] _copy;
    private readonly TorchCrossEntropy _torch;
    private readonly int _smallRows;
    private float _sink;

    /// <summary>The result of <see cref="Check"/>, once run.</summary>
    public CheckResult? Checked { get; private set; }

    public Workload(RowCatalog.Spec spec, BenchData data, bool torchKeepsGrad = false)
    {
        Spec = spec;
        int n = spec.N, c = spec.C;
        _x = data.Logits(n, c);
        if (spec.Kind == RowKind.SoftLabels) _y = data.SoftLabels(n, c);
        else _t = data.Targets(n, c);
        _dx = new float[n * c];
        _dxComposed = new float[n * c];
        _copy = new float[n * c];
        _torch = new TorchCrossEntropy(n, c, _x, _t, _y, torchKeepsGrad);
        _smallRows = Math.Clamp(8192 / c, 1, n);
    }

    public string LossGenVariant => Spec.Kind == RowKind.SoftLabels ? "-sum(y * log_softmax(x))" : LossGenKernels.VariantFor(Spec.C);

    private float LossGen(int rows) => Spec.Kind == RowKind.SoftLabels
        ? LossGenKernels.SoftCrossEntropy(rows, Spec.C, _x, _y!, _dx)
        : LossGenKernels.CrossEntropy(rows, Spec.C, _x, _t!, _dx);

    private float Composed(int rows) => Spec.Kind == RowKind.SoftLabels
        ? Composition.SoftCrossEntropy(rows, Spec.C, _x, _y!, _dxComposed)
        : Composition.CrossEntropy(rows, Spec.C, _x, _t!, _dxComposed);

    /// <summary>The four columns, in table order.</summary>
    public IReadOnlyList<Contender> Contenders() =>
    [
        new("copy", () => _x.AsSpan().CopyTo(_copy)),
        new("libtorch", _torch.Step),
        new("TensorPrimitives", () => _sink += Composed(Spec.N), () => _sink += Composed(_smallRows)),
        new("LossGen", () => _sink += LossGen(Spec.N), () => _sink += LossGen(_smallRows)),
    ];

    public long LossGenAllocatedPerCall() => Timing.AllocatedPerCall(() => _sink += LossGen(Spec.N), calls: 3);

    /// <summary>Checks LossGen (and, as information, the composition) against libtorch.</summary>
    public CheckResult Check()
    {
        var (torchLoss, torchDx) = _torch.Result();
        float loss = LossGen(Spec.N);
        var lossGen = CheckResult.Compare("LossGen", loss, _dx, torchLoss, torchDx, Spec.N);
        var first = (float[])_dx.Clone();
        float again = LossGen(Spec.N);
        bool repeatable = BitConverter.SingleToInt32Bits(again) == BitConverter.SingleToInt32Bits(loss) && first.AsSpan().SequenceEqual(_dx);
        float composedLoss = Composed(Spec.N);
        var composed = CheckResult.Compare("TensorPrimitives", composedLoss, _dxComposed, torchLoss, torchDx, Spec.N);
        return Checked = lossGen with { Repeatable = repeatable, Composition = composed };
    }

    public void Dispose() => _torch.Dispose();
}

/// <summary>
/// How far one implementation is from libtorch. Tolerances (float32, API.md): the loss within 1e-5 relative
/// (1e-6 absolute near zero); each dx element within 1e-5 relative plus 1e-6/N absolute, since the gradient of a
/// mean over N rows is 1/N times an O(1) per-row gradient.
/// </summary>
internal sealed record CheckResult(string Who, float Loss, float TorchLoss, double LossError, double DxWorst, double DxMaxAbs, int DxWorstIndex)
{
    public const double Rtol = 1e-5, Atol = 1e-6;
    public bool Repeatable { get; init; } = true;
    public CheckResult? Composition { get; init; }
    public bool Passed => LossError <= 1 && DxWorst <= 1 && !float.IsNaN(Loss);

    /// <summary><see cref="LossError"/> and <see cref="DxWorst"/> are in units of the tolerance: at most 1 passes.</summary>
    public static CheckResult Compare(string who, float loss, float[] dx, float torchLoss, float[] torchDx, int n)
    {
        double lossError = Math.Abs((double)loss - torchLoss) / (Rtol * Math.Abs(torchLoss) + Atol);
        double worst = 0, maxAbs = 0;
        int worstIndex = -1;
        double atol = Atol / n;
        for (int i = 0; i < torchDx.Length; i++)
        {
            double d = Math.Abs((double)dx[i] - torchDx[i]);
            double e = d / (Rtol * Math.Abs(torchDx[i]) + atol);
            if (double.IsNaN(e)) e = double.PositiveInfinity;
            if (e > worst) { worst = e; worstIndex = i; }
            maxAbs = Math.Max(maxAbs, d);
        }
        return new CheckResult(who, loss, torchLoss, lossError, worst, maxAbs, worstIndex);
    }

    /// <summary>For the table: "ok" or what failed.</summary>
    public string Summary => Passed ? "ok" : $"MISMATCH (loss {LossError:0.0}×, dx {DxWorst:0.0}× the tolerance)";

    public string Describe() =>
        $"{Who}: loss {Loss:G9} vs libtorch {TorchLoss:G9} ({LossError:0.00} of tolerance), dx worst {DxWorst:0.00} of tolerance (max |Δ| {DxMaxAbs:0.0e+0})";
}
