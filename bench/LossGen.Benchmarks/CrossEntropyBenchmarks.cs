using System;
using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;

namespace LossGen.Bench;

/// <summary>
/// Cross entropy with class indices, float32, mean, ForwardBackward, at the sizes of the speed goals in docs/performance.md. <see cref="LossGen"/>
/// uses the <c>Classes</c>-specialised loss for C = 4 and 10 and the run-time class count otherwise;
/// <see cref="Unspecialised"/> always the run-time one; <see cref="Canned"/> the canned [CrossEntropyLoss]
/// (ignore_index -100 checked per row). The baseline is a copy of x, the memory floor.
/// </summary>
[MemoryDiagnoser]
public class CrossEntropyBenchmarks
{
    private float[] _x = [], _dx = [], _copy = [];
    private int[] _t = [];
    private nint[] _shape = [], _tShape = [];

    [Params("65536x4", "65536x10", "4096x1000", "2048x32000")]
    public string Shape { get; set; } = "65536x4";

    [GlobalSetup]
    public void Setup()
    {
        var (n, c) = Shapes.Parse(Shape);
        var data = new BenchData();
        _x = data.Logits(n, c);
        _t = data.Targets(n, c);
        _dx = new float[n * c];
        _copy = new float[n * c];
        _shape = [n, c];
        _tShape = [n];
    }

    [Benchmark(Baseline = true, Description = "copy of x")]
    public void CopyX() => _x.AsSpan().CopyTo(_copy);

    [Benchmark]
    public float LossGen()
    {
        var x = new ReadOnlyTensorSpan<float>(_x, _shape);
        var t = new ReadOnlyTensorSpan<int>(_t, _tShape);
        var dx = new TensorSpan<float>(_dx, _shape);
        return _shape[1] switch
        {
            4 => CrossEntropyC4.ForwardBackward(x, t, dx),
            10 => CrossEntropyC10.ForwardBackward(x, t, dx),
            _ => CrossEntropy.ForwardBackward(x, t, dx),
        };
    }

    [Benchmark]
    public float Unspecialised() =>
        CrossEntropy.ForwardBackward(new ReadOnlyTensorSpan<float>(_x, _shape), new ReadOnlyTensorSpan<int>(_t, _tShape), new TensorSpan<float>(_dx, _shape));

    [Benchmark]
    public float Canned() =>
        CannedCrossEntropy.ForwardBackward(new ReadOnlyTensorSpan<float>(_x, _shape), new ReadOnlyTensorSpan<int>(_t, _tShape), new TensorSpan<float>(_dx, _shape));
}
