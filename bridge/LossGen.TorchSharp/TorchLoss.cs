using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using LossGen.Internal;

namespace LossGen;

/// <summary>
/// Makes a <see cref="TorchLossFunction"/> (a differentiable TorchSharp operation) out of the generated methods of
/// a LossGen loss. Pick the factory for the loss's inputs and pass its method groups:
/// <code>
/// [CrossEntropyLoss] public static partial class CrossEntropy;
/// static readonly TorchLossFunction Ce = TorchLoss.ClassIndices&lt;float&gt;(CrossEntropy.ForwardBackward);
/// // in the training loop:
/// using var loss = Ce.Apply(model.forward(input), labels);
/// loss.backward();
/// </code>
/// <list type="bullet">
/// <item><c>(ForwardBackward)</c> or <c>(ForwardBackward, Forward)</c>: <see cref="TorchLossMode.Fused"/>, for Reduction Mean, Sum, BatchMean.
/// <c>Forward</c>, when given, is used when no gradient is needed (evaluation, <c>torch.no_grad()</c>).</item>
/// <item><c>(Forward, Backward)</c> of a reduced loss: <see cref="TorchLossMode.Deferred"/>.</item>
/// <item><c>(Forward, Backward, values)</c> of a <c>Reduction.None</c> loss: <see cref="TorchLossMode.Unreduced"/>.</item>
/// </list>
/// <c>T</c> is <c>float</c> (float32 tensors) or <c>double</c> (float64 tensors), given explicitly. A loss with
/// hyper-parameters is passed as lambdas: <c>TorchLoss.ClassIndices&lt;float&gt;((x, t, dx, g) =&gt; Focal.ForwardBackward(x, t, dx, g, gamma: 1.5f))</c>.
/// </summary>
public static partial class TorchLoss
{
    private static string NameOf(Delegate d, string? name) =>
        name ?? (d.Method.DeclaringType is { } type && !type.IsDefined(typeof(CompilerGeneratedAttribute), false)
            ? type.Name
            : "LossGen loss");

    // ---- ClassIndices: a loss over class indices: x and t (an int64 tensor of x's shape without the class axis) ----

    /// <summary>A loss over class indices: <c>x</c> and <c>t</c> (an int64 tensor of <c>x</c>'s shape without the class axis), reduced (Mean, Sum, BatchMean), <see cref="TorchLossMode.Fused"/>.</summary>
    /// <param name="forwardBackward">The generated <c>ForwardBackward</c>.</param>
    /// <param name="forward">Optional: the generated <c>Forward</c>, used when no gradient is needed.</param>
    /// <param name="name">The name in error messages (default: the generated class's name).</param>
    public static TorchLossFunction ClassIndices<T>(ClassIndexForwardBackward<T> forwardBackward, ClassIndexForward<T>? forward = null, string? name = null)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(forwardBackward);
        var kernel = new Kernel<T, long>(forward is null ? null : (x, a, _) => forward!(x, a), null, (x, a, _, dx, g) => forwardBackward(x, a, dx, g));
        return new TorchLossFunction(kernel, NameOf(forwardBackward, name), TorchLossMode.Fused, TorchTargetKind.ClassIndices, false);
    }

    /// <summary>A loss over class indices: <c>x</c> and <c>t</c> (an int64 tensor of <c>x</c>'s shape without the class axis), reduced (Mean, Sum, BatchMean), <see cref="TorchLossMode.Deferred"/>.</summary>
    /// <param name="forward">The generated <c>Forward</c>.</param>
    /// <param name="backward">The generated <c>Backward</c> (the overload without <c>dy</c>).</param>
    /// <param name="name">The name in error messages (default: the generated class's name).</param>
    public static TorchLossFunction ClassIndices<T>(ClassIndexForward<T> forward, ClassIndexBackward<T> backward, string? name = null)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(forward);
        ArgumentNullException.ThrowIfNull(backward);
        var kernel = new Kernel<T, long>((x, a, _) => forward(x, a), (x, a, _, dx, g) => backward(x, a, dx, g), null);
        return new TorchLossFunction(kernel, NameOf(forward, name), TorchLossMode.Deferred, TorchTargetKind.ClassIndices, false);
    }

    /// <summary>A loss over class indices: <c>x</c> and <c>t</c> (an int64 tensor of <c>x</c>'s shape without the class axis), <c>Reduction.None</c> (<see cref="TorchLossMode.Unreduced"/>).</summary>
    /// <param name="forward">The generated <c>Forward</c>.</param>
    /// <param name="backward">The generated <c>Backward</c> (the overload without <c>dy</c>).</param>
    /// <param name="values">The shape of the loss values: <see cref="LossValues.PerPosition"/> for a row-shaped loss, <see cref="LossValues.PerElement"/> for a class-shaped one.</param>
    /// <param name="name">The name in error messages (default: the generated class's name).</param>
    public static TorchLossFunction ClassIndices<T>(ClassIndexForwardNone<T> forward, ClassIndexBackwardNone<T> backward, LossValues values, string? name = null)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(forward);
        ArgumentNullException.ThrowIfNull(backward);
        var kernel = new Kernel<T, long>((x, a, _, loss) => forward(x, a, loss), (x, a, _, dloss, dx) => backward(x, a, dloss, dx));
        return new TorchLossFunction(kernel, NameOf(forward, name), TorchLossMode.Unreduced, TorchTargetKind.ClassIndices, false, values);
    }

    // ---- WeightedClassIndices: a weighted loss over class indices: x, t and w (per-class weights [C]) ----

    /// <summary>A weighted loss over class indices: <c>x</c>, <c>t</c> and <c>w</c> (per-class weights <c>[C]</c>), reduced (Mean, Sum, BatchMean), <see cref="TorchLossMode.Fused"/>.</summary>
    /// <param name="forwardBackward">The generated <c>ForwardBackward</c>.</param>
    /// <param name="forward">Optional: the generated <c>Forward</c>, used when no gradient is needed.</param>
    /// <param name="name">The name in error messages (default: the generated class's name).</param>
    public static TorchLossFunction WeightedClassIndices<T>(WeightedClassIndexForwardBackward<T> forwardBackward, WeightedClassIndexForward<T>? forward = null, string? name = null)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(forwardBackward);
        var kernel = new Kernel<T, long>(forward is null ? null : (x, a, w) => forward!(x, a, w), null, (x, a, w, dx, g) => forwardBackward(x, a, w, dx, g));
        return new TorchLossFunction(kernel, NameOf(forwardBackward, name), TorchLossMode.Fused, TorchTargetKind.ClassIndices, true);
    }

    /// <summary>A weighted loss over class indices: <c>x</c>, <c>t</c> and <c>w</c> (per-class weights <c>[C]</c>), reduced (Mean, Sum, BatchMean), <see cref="TorchLossMode.Deferred"/>.</summary>
    /// <param name="forward">The generated <c>Forward</c>.</param>
    /// <param name="backward">The generated <c>Backward</c> (the overload without <c>dy</c>).</param>
    /// <param name="name">The name in error messages (default: the generated class's name).</param>
    public static TorchLossFunction WeightedClassIndices<T>(WeightedClassIndexForward<T> forward, WeightedClassIndexBackward<T> backward, string? name = null)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(forward);
        ArgumentNullException.ThrowIfNull(backward);
        var kernel = new Kernel<T, long>((x, a, w) => forward(x, a, w), (x, a, w, dx, g) => backward(x, a, w, dx, g), null);
        return new TorchLossFunction(kernel, NameOf(forward, name), TorchLossMode.Deferred, TorchTargetKind.ClassIndices, true);
    }

    /// <summary>A weighted loss over class indices: <c>x</c>, <c>t</c> and <c>w</c> (per-class weights <c>[C]</c>), <c>Reduction.None</c> (<see cref="TorchLossMode.Unreduced"/>).</summary>
    /// <param name="forward">The generated <c>Forward</c>.</param>
    /// <param name="backward">The generated <c>Backward</c> (the overload without <c>dy</c>).</param>
    /// <param name="values">The shape of the loss values: <see cref="LossValues.PerPosition"/> for a row-shaped loss, <see cref="LossValues.PerElement"/> for a class-shaped one.</param>
    /// <param name="name">The name in error messages (default: the generated class's name).</param>
    public static TorchLossFunction WeightedClassIndices<T>(WeightedClassIndexForwardNone<T> forward, WeightedClassIndexBackwardNone<T> backward, LossValues values, string? name = null)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(forward);
        ArgumentNullException.ThrowIfNull(backward);
        var kernel = new Kernel<T, long>((x, a, w, loss) => forward(x, a, w, loss), (x, a, w, dloss, dx) => backward(x, a, w, dloss, dx));
        return new TorchLossFunction(kernel, NameOf(forward, name), TorchLossMode.Unreduced, TorchTargetKind.ClassIndices, true, values);
    }

    // ---- Dense: a loss against a dense target: x and y (probabilities, one-hot rows, values: x's shape) ----

    /// <summary>A loss against a dense target: <c>x</c> and <c>y</c> (probabilities, one-hot rows, values: <c>x</c>'s shape), reduced (Mean, Sum, BatchMean), <see cref="TorchLossMode.Fused"/>.</summary>
    /// <param name="forwardBackward">The generated <c>ForwardBackward</c>.</param>
    /// <param name="forward">Optional: the generated <c>Forward</c>, used when no gradient is needed.</param>
    /// <param name="name">The name in error messages (default: the generated class's name).</param>
    public static TorchLossFunction Dense<T>(DenseForwardBackward<T> forwardBackward, DenseForward<T>? forward = null, string? name = null)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(forwardBackward);
        var kernel = new Kernel<T, T>(forward is null ? null : (x, a, _) => forward!(x, a), null, (x, a, _, dx, g) => forwardBackward(x, a, dx, g));
        return new TorchLossFunction(kernel, NameOf(forwardBackward, name), TorchLossMode.Fused, TorchTargetKind.Dense, false);
    }

    /// <summary>A loss against a dense target: <c>x</c> and <c>y</c> (probabilities, one-hot rows, values: <c>x</c>'s shape), reduced (Mean, Sum, BatchMean), <see cref="TorchLossMode.Deferred"/>.</summary>
    /// <param name="forward">The generated <c>Forward</c>.</param>
    /// <param name="backward">The generated <c>Backward</c> (the overload without <c>dy</c>).</param>
    /// <param name="name">The name in error messages (default: the generated class's name).</param>
    public static TorchLossFunction Dense<T>(DenseForward<T> forward, DenseBackward<T> backward, string? name = null)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(forward);
        ArgumentNullException.ThrowIfNull(backward);
        var kernel = new Kernel<T, T>((x, a, _) => forward(x, a), (x, a, _, dx, g) => backward(x, a, dx, g), null);
        return new TorchLossFunction(kernel, NameOf(forward, name), TorchLossMode.Deferred, TorchTargetKind.Dense, false);
    }

    /// <summary>A loss against a dense target: <c>x</c> and <c>y</c> (probabilities, one-hot rows, values: <c>x</c>'s shape), <c>Reduction.None</c> (<see cref="TorchLossMode.Unreduced"/>).</summary>
    /// <param name="forward">The generated <c>Forward</c>.</param>
    /// <param name="backward">The generated <c>Backward</c> (the overload without <c>dy</c>).</param>
    /// <param name="values">The shape of the loss values: <see cref="LossValues.PerPosition"/> for a row-shaped loss, <see cref="LossValues.PerElement"/> for a class-shaped one.</param>
    /// <param name="classAxis">For <see cref="LossValues.PerPosition"/>: the class axis of <c>x</c> (the loss's <c>ClassAxis</c>; -1 = last).</param>
    /// <param name="name">The name in error messages (default: the generated class's name).</param>
    public static TorchLossFunction Dense<T>(DenseForwardNone<T> forward, DenseBackwardNone<T> backward, LossValues values, int classAxis = 1, string? name = null)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(forward);
        ArgumentNullException.ThrowIfNull(backward);
        var kernel = new Kernel<T, T>((x, a, _, loss) => forward(x, a, loss), (x, a, _, dloss, dx) => backward(x, a, dloss, dx));
        return new TorchLossFunction(kernel, NameOf(forward, name), TorchLossMode.Unreduced, TorchTargetKind.Dense, false, values, classAxis);
    }

    // ---- WeightedDense: a weighted loss against a dense target: x, y and a third input w (per-class weights, per-element weights or posWeight, as the loss declares) ----

    /// <summary>A weighted loss against a dense target: <c>x</c>, <c>y</c> and a third input <c>w</c> (per-class weights, per-element weights or <c>posWeight</c>, as the loss declares), reduced (Mean, Sum, BatchMean), <see cref="TorchLossMode.Fused"/>.</summary>
    /// <param name="forwardBackward">The generated <c>ForwardBackward</c>.</param>
    /// <param name="forward">Optional: the generated <c>Forward</c>, used when no gradient is needed.</param>
    /// <param name="name">The name in error messages (default: the generated class's name).</param>
    public static TorchLossFunction WeightedDense<T>(WeightedDenseForwardBackward<T> forwardBackward, WeightedDenseForward<T>? forward = null, string? name = null)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(forwardBackward);
        var kernel = new Kernel<T, T>(forward is null ? null : (x, a, w) => forward!(x, a, w), null, (x, a, w, dx, g) => forwardBackward(x, a, w, dx, g));
        return new TorchLossFunction(kernel, NameOf(forwardBackward, name), TorchLossMode.Fused, TorchTargetKind.Dense, true);
    }

    /// <summary>A weighted loss against a dense target: <c>x</c>, <c>y</c> and a third input <c>w</c> (per-class weights, per-element weights or <c>posWeight</c>, as the loss declares), reduced (Mean, Sum, BatchMean), <see cref="TorchLossMode.Deferred"/>.</summary>
    /// <param name="forward">The generated <c>Forward</c>.</param>
    /// <param name="backward">The generated <c>Backward</c> (the overload without <c>dy</c>).</param>
    /// <param name="name">The name in error messages (default: the generated class's name).</param>
    public static TorchLossFunction WeightedDense<T>(WeightedDenseForward<T> forward, WeightedDenseBackward<T> backward, string? name = null)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(forward);
        ArgumentNullException.ThrowIfNull(backward);
        var kernel = new Kernel<T, T>((x, a, w) => forward(x, a, w), (x, a, w, dx, g) => backward(x, a, w, dx, g), null);
        return new TorchLossFunction(kernel, NameOf(forward, name), TorchLossMode.Deferred, TorchTargetKind.Dense, true);
    }

    /// <summary>A weighted loss against a dense target: <c>x</c>, <c>y</c> and a third input <c>w</c> (per-class weights, per-element weights or <c>posWeight</c>, as the loss declares), <c>Reduction.None</c> (<see cref="TorchLossMode.Unreduced"/>).</summary>
    /// <param name="forward">The generated <c>Forward</c>.</param>
    /// <param name="backward">The generated <c>Backward</c> (the overload without <c>dy</c>).</param>
    /// <param name="values">The shape of the loss values: <see cref="LossValues.PerPosition"/> for a row-shaped loss, <see cref="LossValues.PerElement"/> for a class-shaped one.</param>
    /// <param name="classAxis">For <see cref="LossValues.PerPosition"/>: the class axis of <c>x</c> (the loss's <c>ClassAxis</c>; -1 = last).</param>
    /// <param name="name">The name in error messages (default: the generated class's name).</param>
    public static TorchLossFunction WeightedDense<T>(WeightedDenseForwardNone<T> forward, WeightedDenseBackwardNone<T> backward, LossValues values, int classAxis = 1, string? name = null)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(forward);
        ArgumentNullException.ThrowIfNull(backward);
        var kernel = new Kernel<T, T>((x, a, w, loss) => forward(x, a, w, loss), (x, a, w, dloss, dx) => backward(x, a, w, dloss, dx));
        return new TorchLossFunction(kernel, NameOf(forward, name), TorchLossMode.Unreduced, TorchTargetKind.Dense, true, values, classAxis);
    }
}
