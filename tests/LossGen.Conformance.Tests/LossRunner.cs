using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;

namespace LossGen.Conformance.Tests;

/// <summary>
/// A reference case bound to the generated class that must reproduce it: an expression-language
/// declaration (<see cref="DslCase"/>) or a canned attribute (<see cref="CannedCase"/>).
/// </summary>
public interface ILossCase
{
    RefCase Case { get; }

    /// <summary>The generated static partial class to call.</summary>
    Type Loss { get; }

    Reduction Reduction { get; }

    /// <summary>Values of the class's declared hyper-parameters (none for canned losses: their options are compile-time).</summary>
    IReadOnlyDictionary<string, double> Hyper { get; }

    /// <summary>Multiplies the reference loss and gradients (1 except for derived checks such as BatchMean).</summary>
    double ExpectedScale { get; }
}

/// <summary>Runs one generated method on one reference case and compares every output it produces.</summary>
public static class LossRunner
{
    /// <summary>Output buffers are filled with this before the call: outputs are overwritten, never accumulated into.</summary>
    private const double Sentinel = -12345.5;

    /// <summary>What a call produced, widened to double. Null where the call has no such output.</summary>
    public sealed record Outputs(double[]? Loss, double[]? Dx, double[]? Dy);

    public static CallShape Shape(ILossCase d, Op op, bool withDy = false, bool longTargets = false) =>
        new(op, d.Reduction != Reduction.None, d.Case.Has("t"), d.Case.Has("w"), withDy, longTargets, d.Case.Has("pos_weight"));

    public static void Run(ILossCase d, Precision precision, Op op, bool withDy = false, bool longTargets = false)
    {
        RefCase c = d.Case;
        CallShape shape = Shape(d, op, withDy, longTargets);
        if (withDy && !c.Outputs.ContainsKey("grad_y"))
            throw new InvalidOperationException($"{c.Id} has no grad_y to compare dy with");

        Outputs actual = Evaluate(d, precision, shape);
        Outputs? exactForFloatInputs = precision == Precision.Float32
            ? Execute<double>(d, shape, roundInputsToFloat: true)
            : null;

        string method = d.Reduction == Reduction.BatchMean ? $"{shape} as BatchMean" : shape.ToString();
        var check = new Mismatches(c.Id, method, precision);
        void Compare(string what, double[]? values, string output, double[]? alternative)
        {
            if (values is not null && c.Outputs.TryGetValue(output, out RefTensor? expected))
                check.Compare(what, values, expected.Data, expected.Shape, d.ExpectedScale, Sentinel, alternative);
        }
        Compare("loss", actual.Loss, "loss", exactForFloatInputs?.Loss);
        Compare("dx", actual.Dx, "grad_x", exactForFloatInputs?.Dx);
        Compare("dy", actual.Dy, "grad_y", exactForFloatInputs?.Dy);
        check.ThrowIfAny();
    }

    /// <summary>Calls the method without comparing: for checks other than the reference tolerance.</summary>
    public static Outputs Evaluate(ILossCase d, Precision precision, CallShape shape) => precision == Precision.Float64
        ? Execute<double>(d, shape, roundInputsToFloat: false)
        : Execute<float>(d, shape, roundInputsToFloat: false);

    private static Outputs Execute<T>(ILossCase d, CallShape shape, bool roundInputsToFloat)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RefCase c = d.Case;
        BoundLoss<T> bound = LossInvoker.Bind<T>(d.Loss, shape);
        T Value(double v) => T.CreateChecked(roundInputsToFloat ? (float)v : v);
        T[] Values(double[] data) => data.Select(Value).ToArray();
        T[] Input(string name) => c.Inputs.TryGetValue(name, out RefTensor? r) ? Values(r.Data) : [];
        ReadOnlyTensorSpan<T> Tensor(string name, T[] data) =>
            c.Inputs.TryGetValue(name, out RefTensor? r) ? new ReadOnlyTensorSpan<T>(data, Lengths(r.Shape)) : default;

        // Buffers: inputs converted to T; t, loss and dloss of one unbatched sample have shape [1].
        RefTensor x = c.Inputs["x"], loss = c.Outputs["loss"], dloss = c.GradOutput;
        T[] xs = Input("x"), ys = Input("y"), ws = Input("w"), pws = Input("pos_weight");
        c.Inputs.TryGetValue("t", out RefTensor? t);
        int[] ti = t?.Data.Select(v => (int)v).ToArray() ?? [];
        long[] tl = t?.Data.Select(v => (long)v).ToArray() ?? [];
        T[] dx = Filled<T>(xs.Length), dy = Filled<T>(xs.Length), lossOut = Filled<T>(loss.Data.Length);
        T[] hyper = bound.HyperNames.Select(n => d.Hyper.TryGetValue(n, out double v)
            ? Value(v)
            : throw new InvalidOperationException($"{c.Id}: no value for hyper-parameter '{n}'")).ToArray();

        var args = new LossArgs<T>
        {
            X = Tensor("x", xs),
            Y = Tensor("y", ys),
            W = Tensor("w", ws),
            PosWeight = Tensor("pos_weight", pws),
            Targets = t is null ? default : new ReadOnlyTensorSpan<int>(ti, Lengths(t.Shape)),
            LongTargets = t is null ? default : new ReadOnlyTensorSpan<long>(tl, Lengths(t.Shape)),
            Dx = new TensorSpan<T>(dx, Lengths(x.Shape)),
            Dy = new TensorSpan<T>(dy, Lengths(x.Shape)),
            Loss = new TensorSpan<T>(lossOut, Lengths(loss.Shape)),
            Dloss = Value(dloss.Data[0]),
            DlossTensor = new ReadOnlyTensorSpan<T>(Values(dloss.Data), Lengths(dloss.Shape)),
            Hyper = hyper,
        };
        T result = bound.Call(ref args);

        return new Outputs(
            shape.Op == Op.Backward ? null : shape.Reduced ? [double.CreateChecked(result)] : Widen(lossOut),
            shape.Op == Op.Forward ? null : Widen(dx),
            shape.WithDy ? Widen(dy) : null);
    }

    private static nint[] Lengths(int[] shape) => shape.Length == 0 ? [1] : shape.Select(s => (nint)s).ToArray();

    private static T[] Filled<T>(int length) where T : IFloatingPointIeee754<T> =>
        Enumerable.Repeat(T.CreateChecked(Sentinel), length).ToArray();

    private static double[] Widen<T>(T[] values) where T : IFloatingPointIeee754<T> =>
        values.Select(v => double.CreateChecked(v)).ToArray();
}
