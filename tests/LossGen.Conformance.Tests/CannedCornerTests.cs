using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics.Tensors;
using System.Reflection;
using LossGen.Conformance.Tests.Canned;
using Xunit;
using static LossGen.Conformance.Tests.IndependentReference;

namespace LossGen.Conformance.Tests;

/// <summary>
/// Corners PyTorch users trip on, through the canned attributes, in float64 and float32, Forward, Backward and
/// ForwardBackward (and dy where the loss has it). Expected values are derived by hand in the comments or computed by
/// <see cref="IndependentReference"/>, which is itself held to the PyTorch data. Class weights with label smoothing and
/// ignore_index with weights under Mean are reference cases (e.g. cross_entropy/index/4x5/mean/w1/ls0.1/ign1), run by
/// CannedConformanceTests.
/// </summary>
public sealed class CannedCornerTests
{
    public static TheoryData<string> IndependentlyComputedCases =>
        [.. CannedSuite.Covered.Where(c => c.Attribute is CrossEntropyLossAttribute or NllLossAttribute or BinaryCrossEntropyWithLogitsLossAttribute).Select(c => c.Id)];

    public static TheoryData<string, Precision> ClassIndexClasses => Classes(IsClassIndex);
    public static TheoryData<string, Precision> IgnoreIndex3Classes => Classes(a => IsClassIndex(a) && IgnoreIndexOf(a) == CannedSuite.OtherIgnoreIndex);
    public static TheoryData<string, Precision> ExtremeLogitClasses => Classes(a =>
        a is CrossEntropyLossAttribute { IgnoreIndex: -100 } or BinaryCrossEntropyWithLogitsLossAttribute);
    public static TheoryData<string, Precision> BceClasses => Classes(a => a is BinaryCrossEntropyLossAttribute);
    public static TheoryData<string, Precision> KlDivClasses => Classes(a => a is KLDivLossAttribute { LogTarget: false });

    /// <summary>The independent computation reproduces every cross_entropy, nll_loss and BCE-with-logits reference case (float64).</summary>
    [Theory, MemberData(nameof(IndependentlyComputedCases))]
    public void IndependentReference_MatchesPyTorchData(string id)
    {
        RefCase c = ReferenceData.Get(id);
        Dictionary<string, RefTensor> computed = Compute(CannedSuite.AttributeFor(c), c.Inputs, c.GradOutput);
        var check = new Mismatches(id, nameof(IndependentReference), Precision.Float64);
        foreach (var (name, expected) in c.Outputs)
        {
            if (computed.TryGetValue(name, out RefTensor? actual))
                check.Compare(name, actual.Data, expected.Data, expected.Shape);
            else
                check.Fail($"{name} not computed");
        }
        check.ThrowIfAny();
    }

    /// <summary>
    /// Every target ignored (PyTorch and docs/getting-started.md): Mean is 0/0 = NaN with a zero gradient, Sum is 0, None is all zeros.
    /// For each class-index class, on a batch [3, 4], one unbatched sample [4] and a spatial batch [2, 4, 2], with
    /// every target equal to the class's IgnoreIndex (-100, or 3 which is also a real class here).
    /// </summary>
    [Theory, MemberData(nameof(ClassIndexClasses))]
    public void AllTargetsIgnored(string className, Precision precision)
    {
        Type type = Class(className);
        CannedLossAttribute a = Attribute(type);
        int ignore = IgnoreIndexOf(a);
        foreach (int[] shape in new[] { new[] { 3, 4 }, [4], [2, 4, 2] })
        {
            int[] tShape = shape.Length == 1 ? [] : [shape[0], .. shape.Skip(2)];
            int positions = tShape.Aggregate(1, (p, s) => p * s);
            var inputs = new Dictionary<string, RefTensor>
            {
                ["x"] = Tensor(shape, Values(shape.Aggregate(1, (p, s) => p * s), seed: 1)),
                ["t"] = Tensor(tShape, Enumerable.Repeat((double)ignore, positions).ToArray()),
            };
            if (a is CrossEntropyLossAttribute { Weighted: true } or NllLossAttribute { Weighted: true })
                inputs["w"] = Tensor([4], 0.5, 2, 1, 3);
            RefTensor upstream = Upstream(a, tShape);
            double[] zerosX = new double[inputs["x"].Data.Length];
            RefTensor loss = a.Reduction switch
            {
                Reduction.Mean => Tensor([], double.NaN),
                Reduction.Sum => Tensor([], 0.0),
                _ => Tensor(tShape, new double[positions]),
            };
            var outputs = new Dictionary<string, RefTensor> { ["loss"] = loss, ["grad_x"] = inputs["x"] with { Data = zerosX } };

            // The independent computation agrees (a sanity check of it: these values are PyTorch's documented behaviour).
            Dictionary<string, RefTensor> computed = Compute(a, inputs, upstream);
            Assert.Equal(loss.Data, computed["loss"].Data);
            Assert.Equal(zerosX, computed["grad_x"].Data);

            RunAll(type, Case($"all ignored {FormatShape(shape)} -> {className}", inputs, upstream, outputs), precision);
        }
    }

    /// <summary>
    /// IgnoreIndex = 3 where 3 is a real class of the batch (C = 5): positions with target 3 add nothing, get zero
    /// gradient and leave Mean's denominator (sum of w[t] over the others); class 3 still enters the log-sum-exp and the
    /// label-smoothing sum of the counted positions. Expected values from <see cref="IndependentReference"/>.
    /// </summary>
    [Theory, MemberData(nameof(IgnoreIndex3Classes))]
    public void IgnoreIndex3_RealClassIsIgnored(string className, Precision precision)
    {
        Type type = Class(className);
        CannedLossAttribute a = Attribute(type);
        foreach (var (shape, targets, tShape) in new (int[], double[], int[])[]
        {
            ([4, 5], [3, 1, 3, 4], [4]),
            ([2, 5, 3], [0, 3, 3, 3, 4, 1], [2, 3]),
        })
        {
            var inputs = new Dictionary<string, RefTensor>
            {
                ["x"] = Tensor(shape, Values(shape.Aggregate(1, (p, s) => p * s), seed: 2)),
                ["t"] = Tensor(tShape, targets),
            };
            if (a is CrossEntropyLossAttribute { Weighted: true } or NllLossAttribute { Weighted: true })
                inputs["w"] = Tensor([5], 0.5, 2, 1, 3, 1.5);
            RefTensor upstream = Upstream(a, tShape);
            Dictionary<string, RefTensor> expected = Compute(a, inputs, upstream);

            // Teeth: ignoring class 3 changes the result (it is not what IgnoreIndex = -100 gives on the same targets).
            CannedLossAttribute notIgnoring = a switch
            {
                CrossEntropyLossAttribute ce => new CrossEntropyLossAttribute { Weighted = ce.Weighted, LabelSmoothing = ce.LabelSmoothing, Reduction = ce.Reduction },
                NllLossAttribute nll => new NllLossAttribute { Weighted = nll.Weighted, Reduction = nll.Reduction },
                _ => throw new ArgumentException(a.GetType().Name),
            };
            Assert.NotEqual(expected["loss"].Data, Compute(notIgnoring, inputs, upstream)["loss"].Data);

            RunAll(type, Case($"ignore 3 {FormatShape(shape)} -> {className}", inputs, upstream, expected), precision);
        }
    }

    /// <summary>With IgnoreIndex = 3, -100 is an ordinary out-of-range target and is rejected (docs/getting-started.md), for int and long targets.</summary>
    [Fact]
    public void IgnoreIndex3_RejectsMinus100()
    {
        double[] x = Values(20, seed: 3);
        var xs = new ReadOnlyTensorSpan<double>(x, [4, 5]);
        int[] t = [1, -100, 3, 0];
        double[] dx = Enumerable.Repeat(double.NaN, 20).ToArray();
        Assert.Throws<ArgumentOutOfRangeException>(() => CrossEntropyIndexIgnore3Mean.Forward(new ReadOnlyTensorSpan<double>(x, [4, 5]), new ReadOnlyTensorSpan<int>(t, [4])));
        Assert.Throws<ArgumentOutOfRangeException>(() => CrossEntropyIndexIgnore3Sum.Forward(new ReadOnlyTensorSpan<double>(x, [4, 5]), new ReadOnlyTensorSpan<long>(t.Select(v => (long)v).ToArray(), [4])));
        Assert.Throws<ArgumentOutOfRangeException>(() => NllIgnore3Mean.ForwardBackward(new ReadOnlyTensorSpan<double>(x, [4, 5]), new ReadOnlyTensorSpan<int>(t, [4]), new TensorSpan<double>(dx, [4, 5])));
        Assert.All(dx, v => Assert.True(double.IsNaN(v))); // nothing written before the exception

        // With -100 replaced by 3 the targets are accepted; positions 1 and 2 (both 3) are ignored.
        int[] t3 = t.Select(v => v == -100 ? 3 : v).ToArray();
        double ignored3 = CrossEntropyIndexIgnore3Mean.Forward(xs, new ReadOnlyTensorSpan<int>(t3, [4]));
        double expected = Compute(new CrossEntropyLossAttribute { IgnoreIndex = 3 }, new Dictionary<string, RefTensor>
        {
            ["x"] = Tensor([4, 5], x),
            ["t"] = Tensor([4], t3.Select(v => (double)v).ToArray()),
        }, Tensor([], 1.0))["loss"].Data[0];
        Assert.True(Mismatches.Close(expected, ignored3, Precision.Float64), $"expected {expected:R}, actual {ignored3:R}");
        // Only positions 0 and 3 count: the mean of their two per-position losses (the default class, unreduced).
        var rows = new double[4];
        CrossEntropyIndexNone.Forward(xs, new ReadOnlyTensorSpan<int>(t3, [4]), new TensorSpan<double>(rows, [4]));
        Assert.True(Mismatches.Close((rows[0] + rows[3]) / 2, ignored3, Precision.Float64), $"expected {(rows[0] + rows[3]) / 2:R}, actual {ignored3:R}");
    }

    /// <summary>
    /// binary_cross_entropy with saturated probabilities, x exactly 0 and 1. PyTorch clamps each log at -100, so per element
    /// loss = -(y*max(log x, -100) + (1 - y)*max(log(1 - x), -100)):
    ///   (x, y) = (0, 0): 0;  (0, 1): 100;  (0, 0.25): 0.25*100 = 25;  (1, 0): 100;  (1, 1): 0;  (1, 0.25): 0.75*100 = 75;
    /// and gradient (x - y)/max(x*(1 - x), 1e-12):
    ///   (0, 0): 0;  (0, 1): -1e12;  (0, 0.25): -2.5e11;  (1, 0): 1e12;  (1, 1): 0;  (1, 0.25): 7.5e11.
    /// Weighted: both times w. Mean divides by the 6 elements; the upstream gradient multiplies the gradient.
    /// </summary>
    [Theory, MemberData(nameof(BceClasses))]
    public void Bce_SaturatedProbabilities(string className, Precision precision)
    {
        Type type = Class(className);
        CannedLossAttribute a = Attribute(type);
        bool weighted = ((BinaryCrossEntropyLossAttribute)a).Weighted;
        int[] shape = [2, 3];
        double[] perElement = [0, 100, 25, 100, 0, 75];
        double[] gradient = [0, -1e12, -2.5e11, 1e12, 0, 7.5e11];
        double[] w = [2, 0.5, 1, 3, 1, 0.5];
        if (weighted)
        {
            perElement = perElement.Select((l, i) => l * w[i]).ToArray();   // [0, 50, 25, 300, 0, 37.5]
            gradient = gradient.Select((g, i) => g * w[i]).ToArray();
        }
        var inputs = new Dictionary<string, RefTensor>
        {
            ["x"] = Tensor(shape, 0, 0, 0, 1, 1, 1),
            ["y"] = Tensor(shape, 0, 1, 0.25, 0, 1, 0.25),
        };
        if (weighted)
            inputs["w"] = Tensor(shape, w);
        RefTensor upstream = Upstream(a, shape);
        double[] scale = a.Reduction switch
        {
            Reduction.None => upstream.Data,
            Reduction.Sum => Enumerable.Repeat(upstream.Data[0], 6).ToArray(),
            _ => Enumerable.Repeat(upstream.Data[0] / 6, 6).ToArray(),
        };
        var outputs = new Dictionary<string, RefTensor>
        {
            ["loss"] = a.Reduction switch
            {
                Reduction.None => Tensor(shape, perElement),
                Reduction.Sum => Tensor([], perElement.Sum()),          // 300, weighted 412.5
                _ => Tensor([], perElement.Sum() / 6),                  // 50, weighted 68.75
            },
            ["grad_x"] = Tensor(shape, gradient.Select((g, i) => g * scale[i]).ToArray()),
        };
        RunAll(type, Case($"saturated -> {className}", inputs, upstream, outputs), precision);
    }

    /// <summary>
    /// kl_div with zero targets: PyTorch computes xlogy(y, y) - y*x, so a zero target adds exactly 0 (not 0*log 0 = NaN),
    /// and dloss/dx = -y is 0 there. Per element loss = y*(log y - x) for y &gt; 0, else 0.
    /// </summary>
    [Theory, MemberData(nameof(KlDivClasses))]
    public void KlDiv_ZeroTargets(string className, Precision precision)
    {
        Type type = Class(className);
        CannedLossAttribute a = Attribute(type);
        int[] shape = [2, 3];
        double[] x = [-1.2, -0.3, -2.5, -0.7, -1.6, -0.1], y = [0, 0.6, 0.4, 0, 0, 1];
        double[] perElement = x.Select((xi, i) => y[i] > 0 ? y[i] * (Math.Log(y[i]) - xi) : 0).ToArray();
        var inputs = new Dictionary<string, RefTensor> { ["x"] = Tensor(shape, x), ["y"] = Tensor(shape, y) };
        RefTensor upstream = Upstream(a, shape);
        double[] scale = a.Reduction switch
        {
            Reduction.None => upstream.Data,
            Reduction.Sum => Enumerable.Repeat(upstream.Data[0], 6).ToArray(),
            _ => Enumerable.Repeat(upstream.Data[0] / 6, 6).ToArray(),
        };
        var outputs = new Dictionary<string, RefTensor>
        {
            ["loss"] = a.Reduction switch
            {
                Reduction.None => Tensor(shape, perElement),
                Reduction.Sum => Tensor([], perElement.Sum()),
                _ => Tensor([], perElement.Sum() / 6),
            },
            ["grad_x"] = Tensor(shape, y.Select((yi, i) => -yi * scale[i]).ToArray()),
        };
        Assert.All(perElement, v => Assert.True(double.IsFinite(v)));
        RunAll(type, Case($"zero targets -> {className}", inputs, upstream, outputs), precision);
    }

    /// <summary>
    /// Logits of ±1e4 (exp overflows in float64 and float32 unless the max is subtracted): cross_entropy with class
    /// indices and probabilities, and BCE with logits. Every output of every method is finite, and all match the
    /// independent stable computation within docs/getting-started.md's tolerance, float32 included. Rows: one dominant logit with the
    /// target on a -1e4 class (loss 2e4), all logits -1e4 (loss log 4), two tied at 1e4. float32 catches a kernel that
    /// rounds lse = max + log(sum) before subtracting x: all logits -1e4, target 2 then gives 1.38671875, not log 4.
    /// </summary>
    [Theory, MemberData(nameof(ExtremeLogitClasses))]
    public void ExtremeLogits_StayFinite(string className, Precision precision)
    {
        (Type type, RefCase c) = ExtremeLogitsCase(className);
        var canned = new CannedCase(c, Attribute(type));
        Assert.All(c.Outputs.Values.SelectMany(v => v.Data), v => Assert.True(double.IsFinite(v), $"expected value {v} is not finite"));
        var notFinite = new List<string>();
        foreach (CallShape shape in AllCallShapes(canned))
        {
            LossRunner.Outputs o = LossRunner.Evaluate(canned, precision, shape);
            foreach (var (what, values) in new[] { ("loss", o.Loss), ("dx", o.Dx), ("dy", o.Dy) })
                for (int i = 0; i < (values?.Length ?? 0); i++)
                    if (!double.IsFinite(values![i]))
                        notFinite.Add($"{shape} {what}[{i}] = {values[i]}");
        }
        Assert.True(notFinite.Count == 0, $"{c.Id} | {precision}:\n  {string.Join("\n  ", notFinite)}");
        RunAll(type, c, precision);
    }

    private static (Type Type, RefCase Case) ExtremeLogitsCase(string className)
    {
        Type type = Class(className);
        CannedLossAttribute a = Attribute(type);
        var inputs = new Dictionary<string, RefTensor>();
        int[] lossShape;
        if (a is CrossEntropyLossAttribute ce)
        {
            inputs["x"] = Tensor([3, 4], 1e4, -1e4, 0, 5, -1e4, -1e4, -1e4, -1e4, 1e4, 1e4, -1e4, 0);
            if (ce.Target == TargetKind.ClassIndices)
                inputs["t"] = Tensor([3], 1, 2, 0);
            else
                inputs["y"] = Tensor([3, 4], 0.1, 0.6, 0.2, 0.1, 0.25, 0.25, 0.25, 0.25, 0, 0, 1, 0);
            if (ce.Weighted)
                inputs["w"] = Tensor([4], 0.5, 2, 1, 3);
            lossShape = [3];
        }
        else
        {
            var b = (BinaryCrossEntropyWithLogitsLossAttribute)a;
            inputs["x"] = Tensor([2, 3], 1e4, -1e4, 1e4, -1e4, 0, -1e4);
            inputs["y"] = Tensor([2, 3], 0, 1, 1, 0, 0.5, 0.25);
            if (b.Weighted)
                inputs["w"] = Tensor([2, 3], 1, 2, 0.5, 1, 1, 3);
            if (b.PosWeighted)
                inputs["pos_weight"] = Tensor([3], 2, 0.5, 3);
            lossShape = [2, 3];
        }
        RefTensor upstream = Upstream(a, lossShape);
        return (type, Case($"extreme logits -> {className}", inputs, upstream, Compute(a, inputs, upstream)));
    }

    /// <summary>Every overload family the case's class has: Forward, Backward, ForwardBackward, with dy and long targets where they exist.</summary>
    private static IEnumerable<CallShape> AllCallShapes(CannedCase c)
    {
        foreach (bool longTargets in c.Case.Has("t") ? new[] { false, true } : [false])
            foreach (bool withDy in CannedConformanceTests.HasDyOverload(c.Loss) ? new[] { false, true } : [false])
                foreach (Op op in Enum.GetValues<Op>())
                    if (!(withDy && op == Op.Forward))
                        yield return LossRunner.Shape(c, op, withDy, longTargets);
    }

    private static bool IsClassIndex(CannedLossAttribute a) => a is NllLossAttribute or CrossEntropyLossAttribute { Target: TargetKind.ClassIndices };

    private static int IgnoreIndexOf(CannedLossAttribute a) => a switch
    {
        NllLossAttribute nll => nll.IgnoreIndex,
        CrossEntropyLossAttribute ce => ce.IgnoreIndex,
        _ => throw new ArgumentException(a.GetType().Name),
    };

    private static CannedLossAttribute Attribute(Type type) => type.GetCustomAttribute<CannedLossAttribute>()!;

    private static Type Class(string name) => CannedSuite.Declarations.Values.Single(t => t.Name == name);

    private static TheoryData<string, Precision> Classes(Func<CannedLossAttribute, bool> filter)
    {
        var data = new TheoryData<string, Precision>();
        foreach (Type t in CannedSuite.Declarations.Values.Where(t => filter(Attribute(t))).OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            data.Add(t.Name, Precision.Float64);
            data.Add(t.Name, Precision.Float32);
        }
        return data;
    }

    /// <summary>Runs the synthetic case on <paramref name="type"/> (whose attribute resolves back to it) with every method.</summary>
    private static void RunAll(Type type, RefCase c, Precision precision)
    {
        var canned = new CannedCase(c, Attribute(type));
        Assert.Same(type, canned.Loss);
        CannedConformanceTests.RunAll(canned, precision);
        if (c.Has("t"))
            CannedConformanceTests.RunAll(canned, precision, longTargets: true);
    }

    /// <summary>The upstream gradient: a scalar 0.75 for Mean/Sum, for None varied values of both signs (none zero).</summary>
    private static RefTensor Upstream(CannedLossAttribute a, int[] lossShape)
    {
        if (a.Reduction != Reduction.None)
            return Tensor([], 0.75);
        int count = lossShape.Aggregate(1, (p, s) => p * s);
        return Tensor(lossShape, Enumerable.Range(0, count).Select(i => (i % 2 == 0 ? 1 : -1) * (0.5 + 0.25 * (i % 3))).ToArray());
    }

    /// <summary>Deterministic values in about [-3, 3], different per seed.</summary>
    private static double[] Values(int count, int seed) =>
        Enumerable.Range(0, count).Select(i => Math.Round(3 * Math.Sin(1.7 * i + seed * 0.9 + 0.3), 3)).ToArray();

    private static string FormatShape(int[] shape) => $"[{string.Join(", ", shape)}]";
}
