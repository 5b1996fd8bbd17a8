using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;

namespace LossGen.Bench;

/// <summary>The same cross entropy kernels in float32 and float64 (twice the bytes; exp and log in double).</summary>
[MemoryDiagnoser]
public class PrecisionBenchmarks
{
    private float[] _xf = [], _dxf = [];
    private double[] _xd = [], _dxd = [];
    private int[] _t = [];
    private nint[] _shape = [], _tShape = [];

    [Params("65536x10", "4096x1000")]
    public string Shape { get; set; } = "4096x1000";

    [GlobalSetup]
    public void Setup()
    {
        var (n, c) = Shapes.Parse(Shape);
        var data = new BenchData();
        _xf = data.Logits(n, c);
        _xd = BenchData.ToDouble(_xf);
        _t = data.Targets(n, c);
        _dxf = new float[n * c];
        _dxd = new double[n * c];
        _shape = [n, c];
        _tShape = [n];
    }

    [Benchmark(Baseline = true)]
    public float Float()
    {
        var x = new ReadOnlyTensorSpan<float>(_xf, _shape);
        var t = new ReadOnlyTensorSpan<int>(_t, _tShape);
        var dx = new TensorSpan<float>(_dxf, _shape);
        return _shape[1] == 10 ? CrossEntropyC10.ForwardBackward(x, t, dx) : CrossEntropy.ForwardBackward(x, t, dx);
    }

    [Benchmark]
    public double Double()
    {
        var x = new ReadOnlyTensorSpan<double>(_xd, _shape);
        var t = new ReadOnlyTensorSpan<int>(_t, _tShape);
        var dx = new TensorSpan<double>(_dxd, _shape);
        return _shape[1] == 10 ? CrossEntropyC10.ForwardBackward(x, t, dx) : CrossEntropy.ForwardBackward(x, t, dx);
    }
}
