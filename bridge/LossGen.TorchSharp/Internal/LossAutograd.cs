using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace LossGen.Internal;

// TorchSharp's custom autograd functions are singletons (Function<T>.Instance): everything per call travels in
// the arguments of apply (the tensors x, a, w, and the non-tensor Call) and in the AutogradContext.
// apply's arguments: [x, a, w (or null), call]; backward returns one gradient per argument (x's only).

/// <summary>What one call needs besides its tensors.</summary>
internal sealed class Call
{
    public required TorchLossFunction Loss { get; init; }
    public required Kernel Kernel { get; init; }
    public long[]? LossShape { get; init; }
}

/// <summary>Mean / Sum / BatchMean, gradient computed in forward by ForwardBackward (dloss = 1), scaled in backward.</summary>
internal sealed class FusedFunction : autograd.SingleTensorFunction<FusedFunction>
{
    public override string Name => "LossGenFused";

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (x, a, w, call) = Unpack(vars);
        var dx = empty(x.shape, call.Kernel.DType);
        double loss = call.Kernel.ForwardBackward(x, a, w, dx, 1.0);
        // The graph keeps dx (a SavedVariable: version-checked, and kept for retain_graph); this managed
        // reference is dropped in backward.
        ctx.save_for_backward([dx]);
        ctx.save_data("call", call);
        ctx.save_data("dx", new Holder { Tensor = dx });
        return tensor(loss, call.Kernel.DType);
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        var call = (Call)ctx.get_data("call");
        Tensor dx = ctx.get_saved_variables()[0];
        if (ctx.get_data("dx") is Holder { Tensor: { } mine } holder)
        {
            holder.Tensor = null;
            mine.Dispose();
        }
        double g = call.Kernel.Scalar(grad_output);
        if (g == 1.0)
            return [dx, null!, null!, null!];
        Tensor scaled = dx.mul(grad_output);
        dx.Dispose();   // this reference only; the graph keeps its own for retain_graph
        return [scaled, null!, null!, null!];
    }

    private sealed class Holder
    {
        public Tensor? Tensor;
    }

    internal static (Tensor x, Tensor a, Tensor? w, Call call) Unpack(object[] vars)
    {
        return ((Tensor)vars[0], (Tensor)vars[1], (Tensor?)vars[2], (Call)vars[3]);
    }
}

/// <summary>Mean / Sum / BatchMean, loss by Forward, gradient by Backward with dloss = the upstream gradient.</summary>
internal sealed class DeferredFunction : autograd.SingleTensorFunction<DeferredFunction>
{
    public override string Name => "LossGenDeferred";

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (x, a, w, call) = FusedFunction.Unpack(vars);
        double loss = call.Kernel.Forward(x, a, w);
        ctx.save_for_backward([x, a, w!]);
        ctx.save_data("call", call);
        return tensor(loss, call.Kernel.DType);
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        var call = (Call)ctx.get_data("call");
        var saved = ctx.get_saved_variables();
        Tensor x = saved[0], a = saved[1];
        Tensor? w = saved[2];
        var dx = empty(x.shape, call.Kernel.DType);
        try
        {
            call.Kernel.Backward(x, a, w, dx, call.Kernel.Scalar(grad_output));
        }
        finally
        {
            Release(saved);
        }
        return [dx, null!, null!, null!];
    }

    // The references that unpacking the saved variables made; the graph keeps its own.
    internal static void Release(List<Tensor> saved)
    {
        foreach (var t in saved)
            t?.Dispose();
    }
}

/// <summary>Reduction None: loss values by Forward, gradient by Backward with the upstream gradient of each value.</summary>
internal sealed class UnreducedFunction : autograd.SingleTensorFunction<UnreducedFunction>
{
    public override string Name => "LossGenUnreduced";

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (x, a, w, call) = FusedFunction.Unpack(vars);
        var loss = empty(call.LossShape!, call.Kernel.DType);
        call.Kernel.ForwardNone(x, a, w, loss);
        ctx.save_for_backward([x, a, w!]);
        ctx.save_data("call", call);
        return loss;
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        var call = (Call)ctx.get_data("call");
        var saved = ctx.get_saved_variables();
        Tensor x = saved[0], a = saved[1];
        Tensor? w = saved[2];
        var dx = empty(x.shape, call.Kernel.DType);
        try
        {
            call.Kernel.BackwardNone(x, a, w, grad_output, dx);
        }
        finally
        {
            DeferredFunction.Release(saved);
        }
        return [dx, null!, null!, null!];
    }
}

/// <summary>
/// The fused linear + loss (<see cref="LossGen.LinearLoss"/>): the gradients to h, W and b are computed in forward,
/// chunk by chunk with dloss = 1, and scaled in backward. apply's arguments: [h, W, b (or null), t, the LinearLoss, the parts' sums (or null), the class weights (or null)].
/// </summary>
internal sealed class LinearLossAutograd : autograd.SingleTensorFunction<LinearLossAutograd>
{
    public override string Name => "LossGenLinearLoss";

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var hidden = (Tensor)vars[0];
        var weight = (Tensor)vars[1];
        var bias = (Tensor?)vars[2];
        var target = (Tensor)vars[3];
        var loss = (LossGen.LinearLoss)vars[4];
        var parts = (double[]?)vars[5];
        var classWeight = (Tensor?)vars[6];
        var dh = zeros_like(hidden);
        var dw = zeros_like(weight);
        Tensor? db = bias is null ? null : zeros_like(bias);
        double value;
        using (no_grad())
        {
            value = loss.Compute(hidden, weight, bias, target, classWeight, dh, dw, db, parts);
        }

        // The graph keeps the gradients (SavedVariables); these managed references are dropped in backward, so that
        // nothing waits for the garbage collector to free a [V, H] buffer.
        Tensor[] gradients = db is null ? [dh, dw] : [dh, dw, db];
        ctx.save_for_backward([.. gradients]);
        ctx.save_data("gradients", new Holder { Tensors = gradients });
        return tensor(value, loss.DType);
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        if (ctx.get_data("gradients") is Holder { Tensors: { } mine } holder)
        {
            holder.Tensors = null;
            foreach (Tensor t in mine)
            {
                t.Dispose();
            }
        }

        List<Tensor> saved = ctx.get_saved_variables();
        bool one = (grad_output.dtype == ScalarType.Float32 ? grad_output.item<float>() : grad_output.item<double>()) == 1.0;
        var result = new List<Tensor>();
        foreach (Tensor t in saved)
        {
            if (one)
            {
                result.Add(t);
            }
            else
            {
                result.Add(t.mul(grad_output));
                t.Dispose();
            }
        }

        while (result.Count < 3)
        {
            result.Add(null!);
        }

        result.Add(null!);
        result.Add(null!);
        result.Add(null!);
        result.Add(null!);
        return result;
    }

    private sealed class Holder
    {
        public Tensor[]? Tensors;
    }
}
