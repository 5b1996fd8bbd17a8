using System;
using System.Linq;
using System.Reflection;
using System.Runtime.Intrinsics;
using LossGen.Internal;
using Xunit;

namespace LossGen.Runtime.Tests;

/// <summary>
/// runtime/Internal/VectorOps.Vector256.cs and .Vector512.cs are rendered from one template (WidthTemplateTests). Every helper must exist
/// at both widths and give every lane the same bits at both, so a kernel's result never depends on the machine's
/// vector width.
/// </summary>
public class VectorOpsWidthTests
{
    private static readonly MethodInfo[] Methods = typeof(VectorOps).GetMethods(BindingFlags.Public | BindingFlags.Static);

    private static bool Mentions(MethodInfo m, Type open) =>
        m.GetParameters().Select(p => p.ParameterType).Append(m.ReturnType)
            .Any(t => (t.IsByRef ? t.GetElementType()! : t) is { IsGenericType: true } g && g.GetGenericTypeDefinition() == open);

    [Fact]
    public void Every_256_bit_helper_has_a_512_bit_twin()
    {
        var missing = Methods.Where(m => Mentions(m, typeof(Vector256<>)))
            .Where(m => !Methods.Any(o => Mentions(o, typeof(Vector512<>)) && (o.Name == m.Name || o.Name == m.Name + "512") && o.GetParameters().Length == m.GetParameters().Length))
            .Select(m => m.Name)
            .ToList();
        Assert.Empty(missing);
        Assert.True(Methods.Count(m => Mentions(m, typeof(Vector256<>))) >= 25);
    }

    private static double[] Inputs(int n, int seed)
    {
        var random = new Random(seed);
        double[] special = { 0, -0.0, 1, -1, 0.5, 1e-30, -1e-30, 1e30, -1e30, 88, -88, 710, -745, double.NaN, double.PositiveInfinity, double.NegativeInfinity, 1e-8, 1 - 1e-8 };
        return Enumerable.Range(0, n).Select(i => i < special.Length ? special[i] : (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-6, 4))).ToArray();
    }

    public static TheoryData<string> VectorFunctions()
    {
        var data = new TheoryData<string>();
        foreach (MethodInfo m in Methods.Where(m => m.ReturnType.IsGenericType && m.ReturnType.GetGenericTypeDefinition() == typeof(Vector256<>)
            && m.GetParameters().All(p => p.ParameterType.IsGenericType && p.ParameterType.GetGenericTypeDefinition() == typeof(Vector256<>))
            && m.Name != nameof(VectorOps.Expand)))
        {
            data.Add(m.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(VectorFunctions))]
    public void Vector_functions_agree_bit_for_bit_across_widths(string name)
    {
        Check<float>(name);
        Check<double>(name);
    }

    private static void Check<T>(string name)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        MethodInfo narrow = Methods.Single(m => m.Name == name && Mentions(m, typeof(Vector256<>)) && !Mentions(m, typeof(Vector512<>))).MakeGenericMethod(typeof(T));
        MethodInfo wide = Methods.Single(m => m.Name == name && Mentions(m, typeof(Vector512<>))).MakeGenericMethod(typeof(T));
        int arity = narrow.GetParameters().Length;
        for (int round = 0; round < 40; round++)
        {
            T[][] args = Enumerable.Range(0, arity).Select(a => Inputs(Vector512<T>.Count, round * 7 + a).Select(T.CreateTruncating).ToArray()).ToArray();
            if (round % 2 == 1)
            {
                // Lanes equal across arguments exercise ties and a == b branches.
                args = args.Select(_ => args[0]).ToArray();
            }

            var wideResult = (Vector512<T>)wide.Invoke(null, args.Select(a => (object)Vector512.Create(a)).ToArray())!;
            for (int half = 0; half < 2; half++)
            {
                var narrowResult = (Vector256<T>)narrow.Invoke(null, args.Select(a => (object)Vector256.Create(a.AsSpan(half * Vector256<T>.Count, Vector256<T>.Count))).ToArray())!;
                for (int lane = 0; lane < Vector256<T>.Count; lane++)
                {
                    T expected = narrowResult[lane];
                    T actual = wideResult[half * Vector256<T>.Count + lane];
                    Assert.True(expected.Equals(actual) || (T.IsNaN(expected) && T.IsNaN(actual)),
                        $"{name}<{typeof(T).Name}> lane {half * Vector256<T>.Count + lane}: 256-bit {expected}, 512-bit {actual}");
                }
            }
        }
    }

    [Fact]
    public void Expand_spreads_row_values_over_flat_vectors_at_both_widths()
    {
        for (int classes = 1; classes <= 16; classes++)
        {
            for (int block = 0; block < classes; block++)
            {
                var rows256f = Vector256.Create(Enumerable.Range(0, 8).Select(i => 100f + i).ToArray());
                var rows256d = Vector256.Create(Enumerable.Range(0, 4).Select(i => 100.0 + i).ToArray());
                var rows512f = Vector512.Create(Enumerable.Range(0, 16).Select(i => 100f + i).ToArray());
                var rows512d = Vector512.Create(Enumerable.Range(0, 8).Select(i => 100.0 + i).ToArray());
                var e256f = VectorOps.Expand(rows256f, VectorOps.ExpandIndices<float>(block, classes));
                var e256d = VectorOps.Expand(rows256d, VectorOps.ExpandIndices<double>(block, classes));
                var e512f = VectorOps.Expand(rows512f, VectorOps.ExpandIndices512<float>(block, classes));
                var e512d = VectorOps.Expand(rows512d, VectorOps.ExpandIndices512<double>(block, classes));
                var c256f = VectorOps.ClassIndices<float>(block, classes);
                var c512d = VectorOps.ClassIndices512<double>(block, classes);
                for (int i = 0; i < 16; i++)
                {
                    Assert.Equal(100f + (block * 16 + i) / classes, e512f[i]);
                    if (i < 8)
                    {
                        Assert.Equal(100f + (block * 8 + i) / classes, e256f[i]);
                        Assert.Equal(100.0 + (block * 8 + i) / classes, e512d[i]);
                        Assert.Equal((block * 8 + i) % classes, c256f[i]);
                        Assert.Equal((block * 8 + i) % classes, c512d[i]);
                    }

                    if (i < 4)
                    {
                        Assert.Equal(100.0 + (block * 4 + i) / classes, e256d[i]);
                    }
                }
            }
        }
    }

    [Fact]
    public void Gather_scatter_targets_and_one_hot_agree_across_widths()
    {
        // Pinned, as a kernel's memory is while it runs (Gather hands addresses to the hardware).
        float[] data = GC.AllocateArray<float>(200, pinned: true);
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = i * 0.25f - 7;
        }

        Vector512<float> wide = VectorOps.Gather512(ref data[3], 10);
        Vector256<float> low = VectorOps.Gather(ref data[3], 10);
        Vector256<float> high = VectorOps.Gather(ref data[3 + 80], 10);
        Assert.Equal(Vector512.Create(low, high), wide);

        float[] a = new float[200], b = new float[200];
        VectorOps.Scatter(wide, ref a[1], 12);
        VectorOps.Scatter(low, ref b[1], 12);
        VectorOps.Scatter(high, ref b[1 + 96], 12);
        Assert.Equal(b, a);

        long[] targets = Enumerable.Range(0, 16).Select(i => (long)(i * 5 % 7)).ToArray();
        int[] targets32 = Array.ConvertAll(targets, v => (int)v);
        short[] targets16 = Array.ConvertAll(targets, v => (short)v);
        for (int i = 0; i < 16; i++)
        {
            Assert.Equal(targets[i], (long)VectorOps.Targets512<float, long>(ref targets[0])[i]);
            Assert.Equal(targets[i], (long)VectorOps.Targets512<float, int>(ref targets32[0])[i]);
            Assert.Equal(targets[i], (long)VectorOps.Targets512<float, short>(ref targets16[0])[i]);
        }

        for (int i = 0; i < 8; i++)
        {
            Assert.Equal(targets[i], (long)VectorOps.Targets512<double, long>(ref targets[0])[i]);
            Assert.Equal(targets[i], (long)VectorOps.Targets512<double, int>(ref targets32[0])[i]);
            Assert.Equal(targets[i % 4], (long)VectorOps.Targets<double, int>(ref targets32[0])[i % 4]);
        }

        double[] doubles = GC.AllocateArray<double>(200, pinned: true);
        for (int i = 0; i < doubles.Length; i++)
        {
            doubles[i] = i * 0.5 - 3;
        }

        for (int i = 0; i < 8; i++)
        {
            Assert.Equal(doubles[5 + 7 * i], VectorOps.Gather512(ref doubles[5], 7)[i]);
            Assert.Equal(data[2 + 9 * i], VectorOps.Gather(ref data[2], 9)[i]);
        }

        Vector512<float> t512 = VectorOps.Targets512<float, long>(ref targets[0]);
        Assert.Equal(Vector512.Create(VectorOps.Targets<float, long>(ref targets[0]), VectorOps.Targets<float, long>(ref targets[8])), t512);
        Assert.Equal(Vector512.Create(VectorOps.GatherPick(ref data[0], 10, VectorOps.Targets<float, long>(ref targets[0]), 1),
            VectorOps.GatherPick(ref data[80], 10, VectorOps.Targets<float, long>(ref targets[8]), 1)), VectorOps.GatherPick(ref data[0], 10, t512, 1));

        for (int c = -3; c < 40; c++)
        {
            Vector512<double> hot = VectorOps.OneHot512<double>(c, 9);
            Assert.Equal(Vector512.Create(VectorOps.OneHot<double>(c, 9), VectorOps.OneHot<double>(c + 4, 9)), hot);
        }

        Assert.Equal(-7f + 0.25f * 3, VectorOps.MaxAcross(Vector512.Create(-7f).WithElement(5, -7f + 0.25f * 3)));
        Assert.True(VectorOps.Contains(t512, 6f));
        Assert.False(VectorOps.Contains(t512, 7f));
    }
}
