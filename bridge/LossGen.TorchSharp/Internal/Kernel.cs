using System;
using System.Numerics;
using System.Numerics.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace LossGen.Internal;

// One internal shape for every kind of generated method: x, a target a (class indices: long; dense: T) and an
// optional third input w. The public delegates are wrapped into these by TorchLoss's factories.
internal delegate T ReducedForward<T, TA>(ReadOnlyTensorSpan<T> x, ReadOnlyTensorSpan<TA> a, ReadOnlyTensorSpan<T> w);
internal delegate void ReducedBackward<T, TA>(ReadOnlyTensorSpan<T> x, ReadOnlyTensorSpan<TA> a, ReadOnlyTensorSpan<T> w, TensorSpan<T> dx, T dloss);
internal delegate T ReducedForwardBackward<T, TA>(ReadOnlyTensorSpan<T> x, ReadOnlyTensorSpan<TA> a, ReadOnlyTensorSpan<T> w, TensorSpan<T> dx, T dloss);
internal delegate void UnreducedForward<T, TA>(ReadOnlyTensorSpan<T> x, ReadOnlyTensorSpan<TA> a, ReadOnlyTensorSpan<T> w, TensorSpan<T> loss);
internal delegate void UnreducedBackward<T, TA>(ReadOnlyTensorSpan<T> x, ReadOnlyTensorSpan<TA> a, ReadOnlyTensorSpan<T> w, ReadOnlyTensorSpan<T> dloss, TensorSpan<T> dx);

/// <summary>The dtype-independent face of a loss's kernels, over tensors.</summary>
internal abstract class Kernel
{
    public abstract ScalarType DType { get; }
    public abstract ScalarType TargetDType { get; }

    public abstract bool CanForward { get; }

    public abstract double Forward(Tensor x, Tensor a, Tensor? w);
    public abstract double ForwardBackward(Tensor x, Tensor a, Tensor? w, Tensor dx, double dloss);
    public abstract void Backward(Tensor x, Tensor a, Tensor? w, Tensor dx, double dloss);
    public abstract void ForwardNone(Tensor x, Tensor a, Tensor? w, Tensor loss);
    public abstract void BackwardNone(Tensor x, Tensor a, Tensor? w, Tensor dloss, Tensor dx);
    public abstract double Scalar(Tensor t);
}

internal sealed class Kernel<T, TA> : Kernel
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TA : unmanaged
{
    private readonly ReducedForward<T, TA>? _forward;
    private readonly ReducedBackward<T, TA>? _backward;
    private readonly ReducedForwardBackward<T, TA>? _forwardBackward;
    private readonly UnreducedForward<T, TA>? _forwardNone;
    private readonly UnreducedBackward<T, TA>? _backwardNone;

    public Kernel(ReducedForward<T, TA>? forward, ReducedBackward<T, TA>? backward, ReducedForwardBackward<T, TA>? forwardBackward)
    {
        _forward = forward;
        _backward = backward;
        _forwardBackward = forwardBackward;
    }

    public Kernel(UnreducedForward<T, TA> forward, UnreducedBackward<T, TA> backward)
    {
        _forwardNone = forward;
        _backwardNone = backward;
    }

    public override ScalarType DType { get; } = DTypeOf(typeof(T));
    public override ScalarType TargetDType { get; } = DTypeOf(typeof(TA));
    public override bool CanForward => _forward is not null;

    public static ScalarType DTypeOf(Type type) =>
        type == typeof(float) ? ScalarType.Float32
        : type == typeof(double) ? ScalarType.Float64
        : type == typeof(long) ? ScalarType.Int64
        : throw new NotSupportedException($"LossGen bridge: element type {type.Name} is not supported (float, double; long for class indices).");

    public override double Forward(Tensor x, Tensor a, Tensor? w)
    {
        Tensor? kx = null, ka = null, kw = null;
        try
        {
            var xs = TensorViews.Read<T>(x, out kx);
            var @as = TensorViews.Read<TA>(a, out ka);
            var ws = w is null ? default : TensorViews.Read<T>(w, out kw);
            return double.CreateTruncating(_forward!(xs, @as, ws));
        }
        finally
        {
            Release(kx, ka, kw);
            GC.KeepAlive(x); GC.KeepAlive(a); GC.KeepAlive(w);
        }
    }

    public override double ForwardBackward(Tensor x, Tensor a, Tensor? w, Tensor dx, double dloss)
    {
        Tensor? kx = null, ka = null, kw = null;
        try
        {
            var xs = TensorViews.Read<T>(x, out kx);
            var @as = TensorViews.Read<TA>(a, out ka);
            var ws = w is null ? default : TensorViews.Read<T>(w, out kw);
            return double.CreateTruncating(_forwardBackward!(xs, @as, ws, TensorViews.Write<T>(dx), T.CreateTruncating(dloss)));
        }
        finally
        {
            Release(kx, ka, kw);
            GC.KeepAlive(x); GC.KeepAlive(a); GC.KeepAlive(w); GC.KeepAlive(dx);
        }
    }

    public override void Backward(Tensor x, Tensor a, Tensor? w, Tensor dx, double dloss)
    {
        Tensor? kx = null, ka = null, kw = null;
        try
        {
            var xs = TensorViews.Read<T>(x, out kx);
            var @as = TensorViews.Read<TA>(a, out ka);
            var ws = w is null ? default : TensorViews.Read<T>(w, out kw);
            _backward!(xs, @as, ws, TensorViews.Write<T>(dx), T.CreateTruncating(dloss));
        }
        finally
        {
            Release(kx, ka, kw);
            GC.KeepAlive(x); GC.KeepAlive(a); GC.KeepAlive(w); GC.KeepAlive(dx);
        }
    }

    public override void ForwardNone(Tensor x, Tensor a, Tensor? w, Tensor loss)
    {
        Tensor? kx = null, ka = null, kw = null;
        try
        {
            var xs = TensorViews.Read<T>(x, out kx);
            var @as = TensorViews.Read<TA>(a, out ka);
            var ws = w is null ? default : TensorViews.Read<T>(w, out kw);
            _forwardNone!(xs, @as, ws, TensorViews.Write<T>(loss));
        }
        finally
        {
            Release(kx, ka, kw);
            GC.KeepAlive(x); GC.KeepAlive(a); GC.KeepAlive(w); GC.KeepAlive(loss);
        }
    }

    public override void BackwardNone(Tensor x, Tensor a, Tensor? w, Tensor dloss, Tensor dx)
    {
        Tensor? kx = null, ka = null, kw = null, kg = null;
        try
        {
            var xs = TensorViews.Read<T>(x, out kx);
            var @as = TensorViews.Read<TA>(a, out ka);
            var ws = w is null ? default : TensorViews.Read<T>(w, out kw);
            var gs = TensorViews.Read<T>(dloss, out kg);
            _backwardNone!(xs, @as, ws, gs, TensorViews.Write<T>(dx));
        }
        finally
        {
            Release(kx, ka, kw);
            kg?.Dispose();
            GC.KeepAlive(x); GC.KeepAlive(a); GC.KeepAlive(w); GC.KeepAlive(dloss); GC.KeepAlive(dx);
        }
    }

    public override double Scalar(Tensor t) => double.CreateTruncating(t.item<T>());

    private static void Release(Tensor? a, Tensor? b, Tensor? c)
    {
        a?.Dispose();
        b?.Dispose();
        c?.Dispose();
    }
}
