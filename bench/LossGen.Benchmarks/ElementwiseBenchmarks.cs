using System;
using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;

namespace LossGen.Bench;

/// <summary>Elementwise losses over 1024 × 1024 values, float32, mean, ForwardBackward: MSE and BCE with logits.</summary>
[MemoryDiagnoser]
public class ElementwiseBenchmarks
{
    private float[] _x = [], _y = [], _yBinary = [], _dx = [], _copy = [];
    private nint[] _shape = [];

    [Params("1024x1024")]
    public string Shape { get; set; } = "1024x1024";

    [GlobalSetup]
    public void Setup()
    {
        var (n, c) = Shapes.Parse(Shape);
        var data = new BenchData();
        _x = data.Logits(n, c, scale: 1.0);
        _y = data.Logits(n, c, scale: 1.0);
        _yBinary = data.Binary(n * c);
        _dx = new float[n * c];
        _copy = new float[n * c];
        _shape = [n, c];
    }

    [Benchmark(Baseline = true, Description = "copy of x")]
    public void CopyX() => _x.AsSpan().CopyTo(_copy);

    [Benchmark]
    public float MseLoss() =>
        Mse.ForwardBackward(new ReadOnlyTensorSpan<float>(_x, _shape), new ReadOnlyTensorSpan<float>(_y, _shape), new TensorSpan<float>(_dx, _shape));

    [Benchmark]
    public float BceWithLogitsLoss() =>
        BceWithLogits.ForwardBackward(new ReadOnlyTensorSpan<float>(_x, _shape), new ReadOnlyTensorSpan<float>(_yBinary, _shape), new TensorSpan<float>(_dx, _shape));
}
