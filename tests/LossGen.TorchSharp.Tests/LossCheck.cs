using System;
using System.Collections.Generic;
using System.Linq;
using Tensor = TorchSharp.torch.Tensor;
using TorchSharp;
using static TorchSharp.torch;

namespace LossGen.TorchSharp.Tests;

/// <summary>A generated loss against the same loss in TorchSharp with autograd, on the same tensors.</summary>
internal static class LossCheck
{
    /// <summary>
    /// TorchSharp's loss with autograd against Forward, Backward and ForwardBackward (float or double, as
    /// <paramref name="dtype"/>): the loss, then d&lt;name&gt; for every name in <paramref name="grads"/>.
    /// </summary>
    public static void Against(ScalarType dtype, double upstream, Named inputs, string[] grads, Func<Named, Tensor> torchLoss,
        Func<NamedBuffers, float> f, Action<NamedBuffers, double> fb, Func<NamedBuffers, double, float> ffb,
        Func<NamedBuffers, double> d, Action<NamedBuffers, double> db, Func<NamedBuffers, double, double> dfb)
    {
        using var scope = NewDisposeScope();
        var leaves = new Named();
        foreach ((string name, Tensor value) in inputs)
        {
            leaves[name] = grads.Contains(name) ? value.detach().clone().requires_grad_(true) : value;
        }

        Tensor expected = torchLoss(leaves);
        (expected * upstream).backward();

        var b = new NamedBuffers(dtype);
        foreach ((string name, Tensor value) in inputs)
        {
            b.Add(name, value);
        }

        bool single = dtype == ScalarType.Float32;
        TorchAssert.Close(expected, tensor(single ? f(b) : d(b), dtype: dtype), "Forward");
        foreach (bool fused in new[] { false, true })
        {
            foreach (string name in grads)
            {
                b.Zeros("d" + name, inputs[name]);
            }

            if (fused)
            {
                double loss = single ? ffb(b, upstream) : dfb(b, upstream);
                TorchAssert.Close(expected, tensor(loss, dtype: dtype), "ForwardBackward loss");
            }
            else if (single)
            {
                fb(b, upstream);
            }
            else
            {
                db(b, upstream);
            }

            foreach (string name in grads)
            {
                TorchAssert.Close(leaves[name].grad!, b.Tensor("d" + name), (fused ? "ForwardBackward d" : "Backward d") + name);
            }
        }
    }
}

/// <summary>Named TorchSharp tensors.</summary>
internal sealed class Named : Dictionary<string, Tensor>
{
}

/// <summary>Tensors copied out of TorchSharp into arrays, passed to the generated methods as tensor spans.</summary>
internal sealed class NamedBuffers(ScalarType dtype)
{
    private readonly Dictionary<string, (Array Data, nint[] Shape)> _items = new();

    public NamedBuffers Add(string name, Tensor value)
    {
        nint[] shape = value.shape.Select(s => (nint)s).ToArray();
        using var contiguous = value.detach().contiguous();
        Array data = value.dtype == ScalarType.Int64 ? contiguous.data<long>().ToArray()
            : value.dtype == ScalarType.Int32 ? contiguous.data<int>().ToArray()
            : dtype == ScalarType.Float32 ? contiguous.to_type(ScalarType.Float32).data<float>().ToArray()
            : contiguous.to_type(ScalarType.Float64).data<double>().ToArray();
        _items[name] = (data, shape);
        return this;
    }

    public NamedBuffers Zeros(string name, Tensor like)
    {
        nint[] shape = like.shape.Select(s => (nint)s).ToArray();
        _items[name] = (dtype == ScalarType.Float32 ? new float[like.numel()] : new double[like.numel()], shape);
        return this;
    }

    public System.Numerics.Tensors.ReadOnlyTensorSpan<T> Ro<T>(string name) => new((T[])_items[name].Data, _items[name].Shape);

    public System.Numerics.Tensors.TensorSpan<T> Rw<T>(string name) => new((T[])_items[name].Data, _items[name].Shape);

    public Tensor Tensor(string name)
    {
        (Array data, nint[] shape) = _items[name];
        long[] lengths = shape.Select(s => (long)s).ToArray();
        return data is float[] single ? tensor(single, lengths) : tensor((double[])data, lengths);
    }
}
