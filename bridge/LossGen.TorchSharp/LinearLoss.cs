using System;
using System.Collections.Generic;
using LossGen.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace LossGen;

/// <summary>
/// A linear layer and a LossGen loss over class indices fused: <c>loss(h @ W^T + b, t)</c> and its gradients to
/// <c>h</c>, <c>W</c> and <c>b</c> without ever holding the logits beyond one chunk of tokens (a language model's
/// vocabulary: [tokens, V] logits dwarf everything else). Per chunk, libtorch's <c>mm</c> makes the logits, the loss's
/// generated kernel turns them into their gradient in place, and two more products give the chunk's <c>dh</c> and add its
/// part of <c>dW</c>. The loss is any formula of the language over class indices (cross entropy, with z-loss and a
/// logit softcap written in it), declared with <c>Reduction = Reduction.Sum</c>: this function does the mean.
/// See docs/torchsharp.md, "Fused linear + loss".
/// </summary>
/// <example><code>
/// [Loss("z = cap * tanh(x / cap); lse = logsumexp(z); lse - z[t] + zscale * lse^2", Reduction = Reduction.Sum, IgnoreIndex = -100)]
/// [LossParameter("cap", 30.0)]
/// [LossParameter("zscale", 1e-4)]
/// public static partial class LmLoss;
///
/// var lm = LinearLoss.ClassIndices&lt;float&gt;(LmLoss.ForwardBackward);
/// Tensor loss = lm.Apply(hidden, head.weight, null, targets);   // loss.backward() fills hidden.grad and head.weight.grad
/// </code></example>
public sealed class LinearLoss
{
    // (logits, targets, class weights or null, gradient, dloss) -> the chunk's summed loss.
    private readonly Func<Tensor, Tensor, Tensor?, Tensor, double, double> _loss;
    private readonly bool _weighted;
    private readonly (string Name, Func<Tensor, Tensor, double> SumForward)[] _parts;

    private LinearLoss(Func<Tensor, Tensor, Tensor?, Tensor, double, double> loss, bool weighted, ScalarType dtype, long chunk, long ignoreIndex, bool shift, Reduction reduction, string name,
        (string, Func<Tensor, Tensor, double>)[] parts)
    {
        if (chunk < 0)
            throw new ArgumentOutOfRangeException(nameof(chunk), chunk, "Expected a chunk of 1 or more tokens, or 0 to choose it.");
        if (reduction is not (Reduction.Mean or Reduction.Sum))
            throw new ArgumentOutOfRangeException(nameof(reduction), reduction, "Expected Reduction.Mean or Reduction.Sum.");
        _loss = loss;
        _weighted = weighted;
        DType = dtype;
        Chunk = chunk;
        IgnoreIndex = ignoreIndex;
        Shift = shift;
        Reduction = reduction;
        Name = name;
        _parts = parts;
    }

    /// <summary>
    /// A fused linear + loss over class indices. <paramref name="sumLoss"/> is a generated <c>ForwardBackward</c> of a loss
    /// declared with <c>Reduction = Reduction.Sum</c> (a method group, or a lambda that passes hyper-parameters).
    /// </summary>
    /// <param name="sumLoss">The loss of one chunk of logits [tokens, V] against its class indices, summed; writes the gradient (in place).</param>
    /// <param name="chunk">Tokens per chunk: 0 chooses <see cref="AutomaticChunk"/> (about 8 million logits, 32 MB in float, and at least 128 tokens).</param>
    /// <param name="ignoreIndex">Targets equal to it are not counted by the mean (the loss itself must ignore them too: declare the same <c>IgnoreIndex</c>).</param>
    /// <param name="shift">Causal shift: token i's hidden state predicts target i + 1 of its sequence (the last token of each sequence predicts nothing), without copying.</param>
    /// <param name="reduction">Mean (over the counted tokens) or Sum.</param>
    /// <param name="name">The name in error messages.</param>
    public static LinearLoss ClassIndices<T>(TorchLoss.ClassIndexForwardBackward<T> sumLoss, long chunk = 0, long ignoreIndex = -100, bool shift = false, Reduction reduction = Reduction.Mean, string? name = null)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(sumLoss);
        double Run(Tensor logits, Tensor targets, Tensor? _, Tensor gradient, double dloss)
        {
            var x = TensorViews.Read<T>(logits, out Tensor? keep);
            var t = TensorViews.Read<long>(targets, out Tensor? keepTargets);
            try
            {
                return Value(sumLoss(x, t, TensorViews.Write<T>(gradient), Scalar<T>(dloss)));
            }
            finally
            {
                keep?.Dispose();
                keepTargets?.Dispose();
            }
        }

        return new LinearLoss(Run, false, DTypeOf<T>(), chunk, ignoreIndex, shift, reduction, name ?? sumLoss.Method.DeclaringType?.Name ?? "LinearLoss", []);
    }

    /// <summary>
    /// A fused linear + loss over class indices with per-class weights (PyTorch's <c>weight=</c> of cross entropy):
    /// <paramref name="sumLoss"/> is a generated <c>ForwardBackward</c> of a weighted loss declared with
    /// <c>Reduction = Reduction.Sum</c> (<c>[CrossEntropyLoss(Weighted = true, Reduction = Reduction.Sum)]</c>), and the
    /// mean divides by the sum of the counted targets' weights, as PyTorch's does. The weights are passed to
    /// <see cref="Apply(Tensor, Tensor, Tensor?, Tensor, Tensor)"/>.
    /// </summary>
    /// <inheritdoc cref="ClassIndices{T}" path="/param"/>
    public static LinearLoss WeightedClassIndices<T>(TorchLoss.WeightedClassIndexForwardBackward<T> sumLoss, long chunk = 0, long ignoreIndex = -100, bool shift = false, Reduction reduction = Reduction.Mean, string? name = null)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(sumLoss);
        double Run(Tensor logits, Tensor targets, Tensor? weights, Tensor gradient, double dloss)
        {
            var x = TensorViews.Read<T>(logits, out Tensor? keep);
            var t = TensorViews.Read<long>(targets, out Tensor? keepTargets);
            var w = TensorViews.Read<T>(weights!, out Tensor? keepWeights);
            try
            {
                return Value(sumLoss(x, t, w, TensorViews.Write<T>(gradient), Scalar<T>(dloss)));
            }
            finally
            {
                keep?.Dispose();
                keepTargets?.Dispose();
                keepWeights?.Dispose();
            }
        }

        return new LinearLoss(Run, true, DTypeOf<T>(), chunk, ignoreIndex, shift, reduction, name ?? sumLoss.Method.DeclaringType?.Name ?? "LinearLoss", []);
    }

    private static T Scalar<T>(double value) => typeof(T) == typeof(float) ? (T)(object)(float)value : (T)(object)value;

    private static double Value<T>(T value) => value is float f ? f : (double)(object)value!;

    /// <summary>Whether the loss takes per-class weights (<see cref="WeightedClassIndices{T}"/>).</summary>
    public bool IsWeighted => _weighted;

    /// <summary>
    /// This loss with one more value reported beside it (a z-loss term, the plain cross entropy under a softcap, ...):
    /// <paramref name="sumForward"/>, a generated <c>Forward</c> of a loss declared with <c>Reduction = Reduction.Sum</c>, is
    /// run on each chunk's logits before the gradient overwrites them, and <see cref="ApplyWithParts"/> returns its sum
    /// with the same reduction as the loss (the mean over the counted tokens, or the sum). It adds one pass over each
    /// chunk's logits and no memory.
    /// </summary>
    /// <param name="name">The part's key in <see cref="LinearLossOutput.Parts"/>.</param>
    /// <param name="sumForward">The part's loss of one chunk of logits [tokens, V] against its class indices, summed.</param>
    public LinearLoss WithPart<T>(string name, TorchLoss.ClassIndexForward<T> sumForward)
        where T : unmanaged
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(sumForward);
        ScalarType dtype = DTypeOf<T>();
        if (dtype != DType)
            throw new ArgumentException($"{Name}: the part '{name}' is over {typeof(T).Name}, the loss over {DType}.", nameof(sumForward));
        foreach ((string existing, _) in _parts)
        {
            if (existing == name)
                throw new ArgumentException($"{Name}: a part named '{name}' is already reported.", nameof(name));
        }

        double Run(Tensor logits, Tensor targets)
        {
            var x = TensorViews.Read<T>(logits, out Tensor? keep);
            var t = TensorViews.Read<long>(targets, out Tensor? keepTargets);
            try
            {
                return Value(sumForward(x, t));
            }
            finally
            {
                keep?.Dispose();
                keepTargets?.Dispose();
            }
        }

        return new LinearLoss(_loss, _weighted, DType, Chunk, IgnoreIndex, Shift, Reduction, Name, [.. _parts, (name, Run)]);
    }

    private static ScalarType DTypeOf<T>() =>
        typeof(T) == typeof(float) ? ScalarType.Float32
        : typeof(T) == typeof(double) ? ScalarType.Float64
        : throw new NotSupportedException($"LossGen bridge: element type {typeof(T).Name} is not supported (float, double).");

    /// <summary>
    /// The tokens per chunk chosen when none is set: about 8 million logits (32 MB in float), and at least 128 tokens, so
    /// that the rank-chunk update of <c>dW</c> (it reads and writes all of <c>dW</c> once per chunk) stays a small part of
    /// the products' time; a multiple of 32.
    /// </summary>
    public static long AutomaticChunk(long vocabulary) => Math.Max(128, (1L << 23) / Math.Max(1, vocabulary)) / 32 * 32;

    /// <summary>The dtype of <c>h</c>, <c>W</c>, <c>b</c> and the loss.</summary>
    public ScalarType DType { get; }

    /// <summary>Tokens per chunk; 0: chosen from the vocabulary size.</summary>
    public long Chunk { get; }

    /// <summary>The target value the mean does not count.</summary>
    public long IgnoreIndex { get; }

    /// <summary>Whether token i predicts target i + 1 of its sequence.</summary>
    public bool Shift { get; }

    /// <summary>Mean or Sum.</summary>
    public Reduction Reduction { get; }

    /// <summary>The name in error messages.</summary>
    public string Name { get; }

    /// <summary>
    /// The loss of the logits <c>h @ weight^T + bias</c> against <paramref name="target"/>, as a 0-dim tensor whose
    /// <c>backward()</c> fills the gradients of <paramref name="hidden"/>, <paramref name="weight"/> and <paramref name="bias"/>.
    /// </summary>
    /// <param name="hidden">[N, H] or [B, S, H] hidden states.</param>
    /// <param name="weight">[V, H], the classifier (an <c>nn.Linear(H, V)</c>'s weight).</param>
    /// <param name="bias">[V] or null.</param>
    /// <param name="target">[N] or [B, S] class indices (int64).</param>
    public Tensor Apply(Tensor hidden, Tensor weight, Tensor? bias, Tensor target) => Run(hidden, weight, bias, target, null, null);

    /// <summary><see cref="Apply(Tensor, Tensor, Tensor?, Tensor)"/> of a weighted loss (<see cref="WeightedClassIndices{T}"/>).</summary>
    /// <param name="hidden">[N, H] or [B, S, H] hidden states.</param>
    /// <param name="weight">[V, H], the classifier.</param>
    /// <param name="bias">[V] or null.</param>
    /// <param name="target">[N] or [B, S] class indices (int64).</param>
    /// <param name="classWeight">[V], the weight of each class (not differentiated).</param>
    public Tensor Apply(Tensor hidden, Tensor weight, Tensor? bias, Tensor target, Tensor classWeight)
    {
        ArgumentNullException.ThrowIfNull(classWeight);
        return Run(hidden, weight, bias, target, classWeight, null);
    }

    /// <summary>
    /// <see cref="Apply"/>, and the values of the parts added with <see cref="WithPart"/> (computed in the same pass over
    /// the chunks; values only, not differentiated).
    /// </summary>
    public LinearLossOutput ApplyWithParts(Tensor hidden, Tensor weight, Tensor? bias, Tensor target, Tensor? classWeight = null)
    {
        double[] parts = new double[_parts.Length];
        Tensor loss = Run(hidden, weight, bias, target, classWeight, parts);
        var named = new Dictionary<string, double>(_parts.Length);
        for (int i = 0; i < _parts.Length; i++)
        {
            named.Add(_parts[i].Name, parts[i]);
        }

        return new LinearLossOutput(loss, named);
    }

    private Tensor Run(Tensor hidden, Tensor weight, Tensor? bias, Tensor target, Tensor? classWeight, double[]? parts)
    {
        if (_weighted && classWeight is null)
            throw new ArgumentException($"{Name}: this loss takes class weights: call Apply(hidden, weight, bias, target, classWeight).", nameof(classWeight));
        if (!_weighted && classWeight is not null)
            throw new ArgumentException($"{Name}: this loss takes no class weights: build it with LinearLoss.WeightedClassIndices.", nameof(classWeight));
        ArgumentNullException.ThrowIfNull(hidden);
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(target);
        // Half precision: a loss built for float takes float16 or bfloat16 h, W and b (docs/torchsharp.md, "Half precision").
        ScalarType dtype = DType == ScalarType.Float32 && TensorViews.IsHalf(hidden.dtype) ? hidden.dtype : DType;
        TensorViews.Check(hidden, dtype, "hidden", Name);
        TensorViews.Check(weight, dtype, "weight", Name);
        if (bias is not null)
            TensorViews.Check(bias, dtype, "bias", Name);
        TensorViews.Check(target, ScalarType.Int64, "target", Name);
        long[] h = hidden.shape, t = target.shape, w = weight.shape;
        bool batched = h.Length == 3;
        if (h.Length is not (2 or 3) || t.Length != h.Length - 1 || t[0] != h[0] || (batched && t[1] != h[1]))
            throw new ArgumentException($"{Name}: expected hidden [N, H] with target [N], or hidden [B, S, H] with target [B, S]; got hidden [{string.Join(", ", h)}] and target [{string.Join(", ", t)}].", nameof(target));
        if (w.Length != 2 || w[1] != h[^1])
            throw new ArgumentException($"{Name}: expected weight [V, {h[^1]}] (hidden's last axis), got [{string.Join(", ", w)}].", nameof(weight));
        if (bias is not null && (bias.shape.Length != 1 || bias.shape[0] != w[0]))
            throw new ArgumentException($"{Name}: expected bias [{w[0]}] (weight's first axis), got [{string.Join(", ", bias.shape)}].", nameof(bias));
        if (target.requires_grad)
            throw new NotSupportedException($"{Name}: the target is not differentiated; pass 'target.detach()'.");
        if (classWeight is not null)
        {
            // Half-precision weights are widened for the float kernel (V values).
            if (DType == ScalarType.Float32 && TensorViews.IsHalf(classWeight.dtype))
                classWeight = classWeight.to_type(DType);
            TensorViews.Check(classWeight, DType, "classWeight", Name);
            if (classWeight.shape.Length != 1 || classWeight.shape[0] != w[0])
                throw new ArgumentException($"{Name}: expected classWeight [{w[0]}] (weight's first axis), got [{string.Join(", ", classWeight.shape)}].", nameof(classWeight));
            if (is_grad_enabled() && classWeight.requires_grad)
                throw new NotSupportedException($"{Name}: the class weights are not differentiated; pass 'classWeight.detach()'.");
        }

        object[] args = [hidden, weight, bias!, target, this, parts!, classWeight!];
        bool wantsGradient = is_grad_enabled() && (hidden.requires_grad || weight.requires_grad || (bias?.requires_grad ?? false));
        if (!wantsGradient)
        {
            using var _ = no_grad();
            return tensor(Compute(hidden, weight, bias, target, classWeight, null, null, null, parts), DType);
        }

        return LinearLossAutograd.apply(args);
    }

    /// <summary>Same as <see cref="Apply"/>, in TorchSharp's spelling.</summary>
    public Tensor call(Tensor hidden, Tensor weight, Tensor? bias, Tensor target) => Apply(hidden, weight, bias, target);

    /// <summary>
    /// The loss, and where given, the gradients (dloss = 1), chunk by chunk: the sequences (one when not batched), then
    /// the tokens of each in chunks.
    /// </summary>
    internal double Compute(Tensor hidden, Tensor weight, Tensor? bias, Tensor target, Tensor? classWeight, Tensor? dh, Tensor? dw, Tensor? db, double[]? parts)
    {
        using var scope = NewDisposeScope();
        long vocabulary = weight.shape[0];
        bool batched = hidden.shape.Length == 3;
        long sequences = batched ? hidden.shape[0] : 1;
        long length = batched ? hidden.shape[1] : hidden.shape[0];
        long predicting = Shift ? Math.Max(0, length - 1) : length;

        // Mean's denominator: the counted targets (those the predictions are for), or the sum of their class weights.
        Tensor used = batched ? target.narrow(1, Shift ? 1 : 0, predicting) : target.narrow(0, Shift ? 1 : 0, predicting);
        Tensor counted = used.ne(IgnoreIndex);
        double count = Reduction == Reduction.Sum ? 1
            : classWeight is null ? counted.sum().item<long>()
            : (classWeight.to_type(ScalarType.Float64)[where(counted, used, tensor(0L))] * counted.to_type(ScalarType.Float64)).sum().item<double>();
        double scale = 1 / count;
        long chunk = Math.Min(Math.Max(predicting, 1), Chunk > 0 ? Chunk : AutomaticChunk(vocabulary));
        Tensor weightT = weight.t();
        // One buffer for every chunk's logits (and, in place, their gradient): the products write into it and into dh's
        // rows directly, so that a step allocates nothing per chunk.
        long bufferRows = Math.Min(chunk, Math.Max(predicting, 1));
        Tensor buffer = empty(bufferRows, vocabulary, dtype: DType);
        // Half precision: the products in h's dtype (libtorch accumulates them in float32) through a chunk of that dtype,
        // the loss's kernel on the float32 chunk, dW and db summed in float32 over the chunks and rounded once at the end.
        bool half = weight.dtype != DType;
        Tensor? narrow = half ? empty(bufferRows, vocabulary, dtype: weight.dtype) : null;
        Tensor? dwSum = half && dw is not null ? zeros(dw.shape, dtype: DType) : null;
        Tensor? dbSum = half && db is not null ? zeros(db.shape, dtype: DType) : null;
        double total = 0;
        for (long s = 0; s < sequences; s++)
        {
            Tensor states = batched ? hidden[s] : hidden;
            Tensor targets = batched ? target[s] : target;
            Tensor? grads = dh is null ? null : batched ? dh[s] : dh;
            for (long start = 0; start < predicting; start += chunk)
            {
                using var inner = NewDisposeScope();
                long rows = Math.Min(chunk, predicting - start);
                Tensor hc = states.narrow(0, start, rows);
                Tensor tc = targets.narrow(0, start + (Shift ? 1 : 0), rows).contiguous();
                Tensor logits = rows == buffer.shape[0] ? buffer : buffer.narrow(0, 0, rows);
                Tensor products = narrow is null ? logits : rows == narrow.shape[0] ? narrow : narrow.narrow(0, 0, rows);
                if (bias is null)
                {
                    products.addmm_(hc, weightT, beta: 0, alpha: 1);
                }
                else
                {
                    products.copy_(bias.expand(rows, vocabulary));
                    products.addmm_(hc, weightT, beta: 1, alpha: 1);
                }

                if (half)
                {
                    logits.copy_(products);
                }

                if (parts is not null)
                {
                    for (int i = 0; i < _parts.Length; i++)
                    {
                        parts[i] += _parts[i].SumForward(logits, tc);
                    }
                }

                // The loss's kernel writes the gradient over the logits (dx may be x).
                total += _loss(logits, tc, classWeight, logits, scale);
                if (grads is not null && half)
                {
                    products.copy_(logits);
                    grads.narrow(0, start, rows).addmm_(products, weight, beta: 0, alpha: 1);
                    dwSum!.addmm_(logits.t(), hc.to_type(DType), beta: 1, alpha: 1);
                    dbSum?.add_(logits.sum(dim: 0L));
                }
                else if (grads is not null)
                {
                    grads.narrow(0, start, rows).addmm_(logits, weight, beta: 0, alpha: 1);
                    dw!.addmm_(logits.t(), hc, beta: 1, alpha: 1);
                    db?.add_(logits.sum(dim: 0L));
                }
            }
        }

        if (dwSum is not null)
        {
            dw!.copy_(dwSum);
        }

        if (dbSum is not null)
        {
            db!.copy_(dbSum);
        }

        if (parts is not null)
        {
            for (int i = 0; i < parts.Length; i++)
            {
                parts[i] *= scale;
            }
        }

        return total * scale;
    }
}

/// <summary>What <see cref="LinearLoss.ApplyWithParts"/> returns: the loss (differentiable) and each part's value.</summary>
/// <param name="Loss">The loss, as <see cref="LinearLoss.Apply"/> returns it.</param>
/// <param name="Parts">Each part added with <see cref="LinearLoss.WithPart"/>, by name, reduced as the loss is.</param>
public sealed record LinearLossOutput(Tensor Loss, IReadOnlyDictionary<string, double> Parts);
