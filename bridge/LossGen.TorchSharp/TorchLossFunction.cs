using System;
using System.Linq;
using LossGen.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace LossGen;

/// <summary>How a <see cref="TorchLossFunction"/> computes the gradient.</summary>
public enum TorchLossMode
{
    /// <summary>
    /// Reduced loss. The forward pass calls the generated <c>ForwardBackward</c> (one pass over the data, with
    /// <c>dloss = 1</c>) and keeps <c>dx</c> in the graph; the backward pass returns it, multiplied by the upstream
    /// gradient when that is not 1. Fastest; holds a tensor of <c>x</c>'s size from forward to backward.
    /// </summary>
    Fused,

    /// <summary>
    /// Reduced loss. The forward pass calls <c>Forward</c>; the backward pass calls <c>Backward</c> with
    /// <c>dloss</c> = the upstream gradient. Keeps <c>x</c> (not a gradient) from forward to backward.
    /// </summary>
    Deferred,

    /// <summary>
    /// <c>Reduction.None</c>. The forward pass returns the loss values; the backward pass calls <c>Backward</c>
    /// with the upstream gradient of each value.
    /// </summary>
    Unreduced,
}

/// <summary>The values that a <c>Reduction.None</c> loss produces: its output shape.</summary>
public enum LossValues
{
    /// <summary>One value per position (row-shaped loss: cross entropy, focal...): <c>x</c>'s shape without the class axis (<c>t</c>'s shape).</summary>
    PerPosition,

    /// <summary>One value per element of <c>x</c> (class-shaped loss: MSE, BCE...): <c>x</c>'s shape.</summary>
    PerElement,
}

/// <summary>The kind of target a <see cref="TorchLossFunction"/> takes.</summary>
public enum TorchTargetKind
{
    /// <summary>Class indices <c>t</c>: an int64 tensor (int32 is converted, with a copy).</summary>
    ClassIndices,

    /// <summary>A dense target <c>y</c> of <c>x</c>'s dtype.</summary>
    Dense,
}

/// <summary>
/// A LossGen loss as a differentiable TorchSharp operation: <see cref="Apply(Tensor, Tensor)"/> returns the loss as a
/// tensor whose <c>backward()</c> writes <c>x.grad</c> with the loss's generated gradient kernel. Made by the factory
/// methods of <see cref="TorchLoss"/>. Stateless and thread-safe.
/// </summary>
/// <remarks>
/// Inputs are CPU tensors of the dtype the loss was built for (float32 for <c>T = float</c>, float64 for
/// <c>T = double</c>); their memory is read in place through <see cref="System.Numerics.Tensors.ReadOnlyTensorSpan{T}"/>
/// views, whatever their strides. Gradients are new contiguous tensors written in place by the kernels.
/// </remarks>
public sealed class TorchLossFunction
{
    private readonly Kernel _kernel;

    internal TorchLossFunction(Kernel kernel, string name, TorchLossMode mode, TorchTargetKind target, bool weighted,
        LossValues values = LossValues.PerPosition, int classAxis = 1)
    {
        if (values == LossValues.PerPosition && classAxis < -1)
            throw new ArgumentOutOfRangeException(nameof(classAxis), classAxis, "ClassAxis is an axis of x, or -1 for the last one.");
        _kernel = kernel;
        Name = name;
        Mode = mode;
        Target = target;
        IsWeighted = weighted;
        Values = values;
        ClassAxis = classAxis;
    }

    /// <summary>The loss's name in error messages (the generated class's name when known).</summary>
    public string Name { get; }

    /// <summary>How the gradient is computed.</summary>
    public TorchLossMode Mode { get; }

    /// <summary>Class indices or a dense target.</summary>
    public TorchTargetKind Target { get; }

    /// <summary>Whether the loss takes a third input (<c>w</c>, per-class weights or <c>posWeight</c>).</summary>
    public bool IsWeighted { get; }

    /// <summary>For <see cref="TorchLossMode.Unreduced"/>: the shape of the loss values.</summary>
    public LossValues Values { get; }

    /// <summary>For unreduced per-position losses against a dense target: the class axis of <c>x</c> (-1 = last).</summary>
    public int ClassAxis { get; }

    /// <summary>The dtype of <c>x</c>, <c>y</c>, <c>w</c> and the loss.</summary>
    public ScalarType DType => _kernel.DType;

    /// <summary>The loss of <paramref name="x"/> against <paramref name="target"/> (class indices or a dense target).</summary>
    /// <returns>A 0-dim tensor (reduced losses) or the loss values (<see cref="TorchLossMode.Unreduced"/>), differentiable in <paramref name="x"/>.</returns>
    public Tensor Apply(Tensor x, Tensor target)
    {
        if (IsWeighted)
            throw new ArgumentException($"{Name}: this loss takes weights: call Apply(x, target, weight).");
        return Run(x, target, null);
    }

    /// <summary>The loss of <paramref name="x"/> against <paramref name="target"/> with <paramref name="weight"/> (per-class weights, or whatever third input the loss declares).</summary>
    /// <returns>A 0-dim tensor (reduced losses) or the loss values (<see cref="TorchLossMode.Unreduced"/>), differentiable in <paramref name="x"/>.</returns>
    public Tensor Apply(Tensor x, Tensor target, Tensor weight)
    {
        if (!IsWeighted)
            throw new ArgumentException($"{Name}: this loss takes no weights: call Apply(x, target).");
        ArgumentNullException.ThrowIfNull(weight);
        return Run(x, target, weight);
    }

    /// <summary>Same as <see cref="Apply(Tensor, Tensor)"/>, in TorchSharp's spelling.</summary>
    public Tensor call(Tensor x, Tensor target) => Apply(x, target);

    /// <summary>Same as <see cref="Apply(Tensor, Tensor, Tensor)"/>, in TorchSharp's spelling.</summary>
    public Tensor call(Tensor x, Tensor target, Tensor weight) => Apply(x, target, weight);

    private Tensor Run(Tensor x, Tensor target, Tensor? weight)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(target);
        if (_kernel.DType == ScalarType.Float32 && TensorViews.IsHalf(x.dtype))
        {
            return RunWidened(x, target, weight);
        }

        TensorViews.Check(x, _kernel.DType, "x", Name);
        Tensor? converted = null;
        try
        {
            return Run(x, target, weight, ref converted);
        }
        finally
        {
            // The graph holds its own reference to what it saved.
            converted?.Dispose();
        }
    }

    /// <summary>
    /// Half precision (float16 or bfloat16 x, and a dense target or weight of the same dtype): the float32 kernel on float32
    /// copies, through autograd's own casts, so that the loss is rounded to x's dtype and the gradient arrives in it, as
    /// PyTorch's losses return them (docs/torchsharp.md, "Half precision").
    /// </summary>
    private Tensor RunWidened(Tensor x, Tensor target, Tensor? weight)
    {
        ScalarType dtype = x.dtype;
        if (Target == TorchTargetKind.Dense)
            TensorViews.Check(target, dtype, "target", Name);
        if (weight is not null)
            TensorViews.Check(weight, dtype, "weight", Name);
        // The graph keeps what it needs of these; the handles made here are disposed here.
        using Tensor wide = x.to_type(ScalarType.Float32);
        Tensor? wideTarget = Target == TorchTargetKind.Dense ? target.to_type(ScalarType.Float32) : null;
        using Tensor? wideWeight = weight?.to_type(ScalarType.Float32);
        try
        {
            using Tensor loss = Run(wide, wideTarget ?? target, wideWeight);
            return loss.to_type(dtype);
        }
        finally
        {
            wideTarget?.Dispose();
        }
    }

    private Tensor Run(Tensor x, Tensor target, Tensor? weight, ref Tensor? converted)
    {
        if (Target == TorchTargetKind.ClassIndices)
        {
            if (target.dtype == ScalarType.Int32 && target.device_type == DeviceType.CPU)
            {
                // Documented copy: the kernels take int64 class indices from TorchSharp.
                using (no_grad())
                    converted = target.to_type(ScalarType.Int64);
                target = converted;
            }
            TensorViews.Check(target, ScalarType.Int64, "target", Name);
        }
        else
        {
            TensorViews.Check(target, _kernel.DType, "target", Name);
        }
        if (weight is not null)
            TensorViews.Check(weight, _kernel.DType, "weight", Name);

        bool gradEnabled = is_grad_enabled();
        if (gradEnabled && (target.requires_grad || (weight?.requires_grad ?? false)))
            throw new NotSupportedException(
                $"{Name}: the target and the weight are not differentiated by the LossGen bridge, but one of them requires grad; pass '.detach()'.");

        var call = new Call
        {
            Loss = this,
            Kernel = _kernel,
            LossShape = Mode == TorchLossMode.Unreduced ? LossShape(x, target) : null,
        };

        if (!gradEnabled || !x.requires_grad)
            return Evaluate(x, target, weight, call);

        object[] args = [x, target, weight!, call];
        return Mode switch
        {
            TorchLossMode.Fused => FusedFunction.apply(args),
            TorchLossMode.Deferred => DeferredFunction.apply(args),
            _ => UnreducedFunction.apply(args),
        };
    }

    // No gradient wanted: the loss only, outside autograd.
    private Tensor Evaluate(Tensor x, Tensor target, Tensor? weight, Call call)
    {
        using var _ = no_grad();
        if (Mode == TorchLossMode.Unreduced)
        {
            var loss = empty(call.LossShape!, _kernel.DType);
            _kernel.ForwardNone(x, target, weight, loss);
            return loss;
        }
        double value;
        if (_kernel.CanForward)
        {
            value = _kernel.Forward(x, target, weight);
        }
        else
        {
            using var scratch = empty(x.shape, _kernel.DType);
            value = _kernel.ForwardBackward(x, target, weight, scratch, 1.0);
        }
        return tensor(value, _kernel.DType);
    }

    private long[] LossShape(Tensor x, Tensor target)
    {
        if (Values == LossValues.PerElement)
            return x.shape;
        if (Target == TorchTargetKind.ClassIndices)
            return target.shape;
        long[] shape = x.shape;
        if (shape.Length <= 1)
            return [];
        int axis = ClassAxis == -1 ? shape.Length - 1 : ClassAxis;
        if (axis >= shape.Length)
            throw new ArgumentException(
                $"{Name}: x has rank {shape.Length}, which has no class axis {ClassAxis}; expected [N, C, d1..dk] with the classes on axis {ClassAxis}.",
                "x");
        return shape.Where((_, i) => i != axis).ToArray();
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Name} ({Mode}, {Target}{(IsWeighted ? ", weighted" : "")}, {DType})";
}
