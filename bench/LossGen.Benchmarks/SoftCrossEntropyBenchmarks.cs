using System;
using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;

namespace LossGen.Bench;

/// <summary>Soft-label cross entropy <c>-sum(y * log_softmax(x))</c>, float32, mean, at 4096 × 1000: dx only, and dx with dy.</summary>
[MemoryDiagnoser]
public class SoftCrossEntropyBenchmarks
{
    private float[] _x = [], _y = [], _dx = [], _dy = [], _copy = [];
    private nint[] _shape = [];

    [Params("4096x1000")]
    public string Shape { get; set; } = "4096x1000";

    [GlobalSetup]
    public void Setup()
    {
        var (n, c) = Shapes.Parse(Shape);
        var data = new BenchData();
        _x = data.Logits(n, c);
        _y = data.SoftLabels(n, c);
        _dx = new float[n * c];
        _dy = new float[n * c];
        _copy = new float[n * c];
        _shape = [n, c];
    }

    [Benchmark(Baseline = true, Description = "copy of x")]
    public void CopyX() => _x.AsSpan().CopyTo(_copy);

    [Benchmark]
    public float LossGen() =>
        SoftCrossEntropy.ForwardBackward(new ReadOnlyTensorSpan<float>(_x, _shape), new ReadOnlyTensorSpan<float>(_y, _shape), new TensorSpan<float>(_dx, _shape));

    [Benchmark]
    public float LossGenWithDy() =>
        SoftCrossEntropy.ForwardBackward(new ReadOnlyTensorSpan<float>(_x, _shape), new ReadOnlyTensorSpan<float>(_y, _shape), new TensorSpan<float>(_dx, _shape), new TensorSpan<float>(_dy, _shape));
}
