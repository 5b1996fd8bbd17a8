using System;
using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;

namespace LossGen.Bench;

/// <summary>
/// The gradient written over x (dx is x) against a separate dx. Both first copy fresh logits into a work buffer,
/// so every call sees the same input and the two differ only in where dx goes; <see cref="CopyOnly"/> is that copy.
/// </summary>
[MemoryDiagnoser]
public class InPlaceBenchmarks
{
    private float[] _x = [], _work = [], _dx = [];
    private int[] _t = [];
    private nint[] _shape = [], _tShape = [];

    [Params("4096x1000", "2048x32000")]
    public string Shape { get; set; } = "4096x1000";

    [GlobalSetup]
    public void Setup()
    {
        var (n, c) = Shapes.Parse(Shape);
        var data = new BenchData();
        _x = data.Logits(n, c);
        _t = data.Targets(n, c);
        _work = new float[n * c];
        _dx = new float[n * c];
        _shape = [n, c];
        _tShape = [n];
    }

    [Benchmark(Description = "copy only")]
    public void CopyOnly() => _x.AsSpan().CopyTo(_work);

    [Benchmark(Baseline = true)]
    public float OutOfPlace()
    {
        _x.AsSpan().CopyTo(_work);
        return CrossEntropy.ForwardBackward(new ReadOnlyTensorSpan<float>(_work, _shape), new ReadOnlyTensorSpan<int>(_t, _tShape), new TensorSpan<float>(_dx, _shape));
    }

    [Benchmark]
    public float InPlace()
    {
        _x.AsSpan().CopyTo(_work);
        return CrossEntropy.ForwardBackward(new ReadOnlyTensorSpan<float>(_work, _shape), new ReadOnlyTensorSpan<int>(_t, _tShape), new TensorSpan<float>(_work, _shape));
    }
}
