using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using CsCheck;

namespace LossGen.Property.Tests.Expressions;

/// <summary>A hyper-parameter: <c>[LossParameter(name, default)]</c>.</summary>
public sealed record Hyper(string Name, double Default);

/// <summary>
/// Where the classes and positions of <c>x</c> are. <see cref="ClassAxis"/> is the resolved axis (-1 for a loss without a
/// class axis, whose every element is a position).
/// </summary>
public sealed record Layout(nint[] XShape, int ClassAxis, bool EmptyTargetShape)
{
    public bool Flat => ClassAxis < 0;

    public int Classes => Flat ? 1 : (int)XShape[ClassAxis];

    public int Elements => (int)XShape.Aggregate((nint)1, (a, b) => a * b);

    public int Positions => Flat ? Elements : XShape.Length == 1 ? 1 : Elements / Classes;

    /// <summary>The shape of t, of a per-position loss and of its dloss.</summary>
    public nint[] TShape => Flat ? XShape
        : XShape.Length == 1 ? (EmptyTargetShape ? Array.Empty<nint>() : new nint[] { 1 })
        : XShape.Where((_, i) => i != ClassAxis).ToArray();

    /// <summary>For each position (row-major over the axes other than the class axis), the flat offsets of its classes in x.</summary>
    public int[][] Offsets()
    {
        int rank = XShape.Length;
        var strides = new int[rank];
        int stride = 1;
        for (int d = rank - 1; d >= 0; d--)
        {
            strides[d] = stride;
            stride *= (int)XShape[d];
        }

        if (Flat)
        {
            return Enumerable.Range(0, Elements).Select(i => new[] { i }).ToArray();
        }

        var other = Enumerable.Range(0, rank).Where(d => d != ClassAxis).ToArray();
        int positions = other.Aggregate(1, (a, d) => a * (int)XShape[d]);

        var result = new int[positions][];
        var index = new int[other.Length];
        for (int p = 0; p < positions; p++)
        {
            int rest = p;
            for (int k = other.Length - 1; k >= 0; k--)
            {
                index[k] = rest % (int)XShape[other[k]];
                rest /= (int)XShape[other[k]];
            }

            int baseOffset = 0;
            for (int k = 0; k < other.Length; k++)
            {
                baseOffset += index[k] * strides[other[k]];
            }

            result[p] = Enumerable.Range(0, Classes).Select(c => baseOffset + c * strides[ClassAxis]).ToArray();
        }

        return result;
    }

    public override string ToString() => "[" + string.Join(", ", XShape) + "]" + (Flat ? " (no class axis)" : $" classes on axis {ClassAxis}") + (EmptyTargetShape ? ", t of shape []" : string.Empty);
}

/// <summary>One set of inputs for a case.</summary>
public sealed record Sample(double[] X, double[] Y, double[] W, int[] T, double[] HyperValues, bool UseDefaults, double DLossScalar, double[] DLoss);

/// <summary>One random loss: its program, spelling, options, layout and input samples.</summary>
public sealed record PropertyCase(
    string Name,
    LossProgram Program,
    PrintStyle Style,
    Hyper[] Hypers,
    int Reduction,
    int ClassAxisOption,
    int? IgnoreIndex,
    bool SpecialisedClasses,
    Layout Layout,
    Sample[] Samples)
{
    public string Expression => Printer.Print(Program, Style);

    public bool UsesTarget => Tree.UsesTarget(Program);

    public bool Elementwise => Tree.Shape(Program.Body, Tree.LocalShapes(Program)) == Sh.Class;

    public string ReductionName => Reduction switch { 0 => "None", 1 => "Mean", 2 => "Sum", _ => "BatchMean" };

    /// <summary>The declaration, as a user would write it.</summary>
    public string Declaration(string className, string literalStyle = "regular")
    {
        var options = new List<string>();
        if (Reduction != 1)
        {
            options.Add("Reduction = Reduction." + ReductionName);
        }

        if (ClassAxisOption != 1)
        {
            options.Add("ClassAxis = " + ClassAxisOption.ToString(CultureInfo.InvariantCulture));
        }

        if (IgnoreIndex is int ignore)
        {
            options.Add("IgnoreIndex = " + ignore.ToString(CultureInfo.InvariantCulture));
        }

        if (SpecialisedClasses)
        {
            options.Add("Classes = " + Layout.Classes.ToString(CultureInfo.InvariantCulture));
        }

        string literal = literalStyle switch
        {
            "verbatim" when !Expression.Contains('"') => "@\"" + Expression + "\"",
            "raw" when !Expression.Contains('\n') => "\"\"\"" + Expression + "\"\"\"",
            _ => Microsoft.CodeAnalysis.CSharp.SymbolDisplay.FormatLiteral(Expression, quote: true),
        };
        string attributes = $"[Loss({literal}{string.Concat(options.Select(o => ", " + o))})]";
        foreach (Hyper h in Hypers)
        {
            attributes += $"\n[LossParameter(\"{h.Name}\", {h.Default.ToString("R", CultureInfo.InvariantCulture)})]";
        }

        return attributes + $"\npublic static partial class {className};";
    }

    public string Describe() =>
        $"{Name}: [Loss(\"{Expression.Replace("\n", "\\n").Replace("\t", "\\t")}\")] Reduction = {ReductionName}, ClassAxis = {ClassAxisOption}, IgnoreIndex = {(IgnoreIndex?.ToString(CultureInfo.InvariantCulture) ?? "none")}{(SpecialisedClasses ? ", Classes = " + Layout.Classes : string.Empty)}" +
        (Hypers.Length > 0 ? ", hyper-parameters " + string.Join(", ", Hypers.Select(h => h.Name + " = " + h.Default.ToString("R", CultureInfo.InvariantCulture))) : string.Empty) +
        $"; x {Layout}";
}

/// <summary>Random cases: programs from <see cref="ExprGen"/>, with random options, shapes and inputs.</summary>
public static class CaseGen
{
    private static readonly string[] HyperNames = { "alpha", "beta", "gam", "k2", "scale_" };

    public static Gen<PropertyCase> Case(string name, int maxDepth = 4) =>
        Gen.Select(Gen.Int[0, 9], Gen.Int[0, 9], Gen.Int[0, 9], Gen.Int[0, 2]).SelectMany(flags =>
        {
            (int y, int w, int t, int hyperCount) = flags;
            string[] hypers = HyperNames.Take(hyperCount).ToArray();
            var env = new Env(Array.Empty<(string, Sh, Dom)>(), hypers, AllowY: y < 7, AllowW: w < 4, AllowTarget: t < 6);
            return ExprGen.Program(env, maxDepth).SelectMany(program => Options(name, program, hypers));
        });

    private static Gen<PropertyCase> Options(string name, LossProgram program, string[] hyperNames) =>
        Gen.Select(Gen.Int[0, 3], Gen.Int[0, 9], Gen.Int[0, 9], Gen.Int[0, int.MaxValue], Gen.Double[0.25, 3].Array[hyperNames.Length]).SelectMany(o =>
        {
            (int reduction, int ignoreRoll, int specialise, int seed, double[] defaults) = o;
            bool flat = Tree.Flat(program);
            bool usesTarget = Tree.UsesTarget(program);
            int? ignore = ignoreRoll switch
            {
                < 3 => -100,
                3 => 0,
                4 => -1,
                _ => null,
            };
            if (!usesTarget && ignoreRoll != 9)
            {
                ignore = null; // IgnoreIndex without t is only a warning (LG0019); keep it rare.
            }

            var style = new PrintStyle(seed, seed % 3 == 0, seed % 5 == 0, seed % 7 == 0);
            var hypers = hyperNames.Select((h, i) => new Hyper(h, Math.Round(defaults[i], 3))).ToArray();
            return LayoutGen(flat, program).SelectMany(layout =>
                Samples(program, layout, hypers, ignore, usesTarget).Select(samples =>
                    new PropertyCase(name, program, style, hypers, reduction, layout.ClassAxis == -1 || layout.XShape.Length < 3 ? (seed % 2 == 0 ? 1 : -1) : layout.ClassAxis == 1 ? 1 : -1, ignore,
                        !flat && specialise < 2 && layout.Classes > 0, layout, samples)));
        });

    private static Gen<Layout> LayoutGen(bool flat, LossProgram program)
    {
        if (flat)
        {
            return Gen.Int[1, 3].SelectMany(rank => Gen.Int[1, 3].Array[rank]).Select(shape => new Layout(shape.Select(v => (nint)v).ToArray(), -1, false));
        }

        return Gen.Select(Gen.Int[0, 19], Gen.Int[1, 5], Gen.Int[1, 3], Gen.Int[1, 2], Gen.Bool, Gen.Int[16, 33]).Select(o =>
        {
            (int kind, int c, int n, int d, bool last, int many) = o;
            if (kind == 0)
            {
                n = 0; // an empty batch
            }
            else if (kind is 4 or 5)
            {
                n = many; // enough positions for blocks in lanes (8 or 16 at a time) and a tail
            }
            else if (kind is 6 or 7)
            {
                c = many + 8; // 24..41 classes: whole vectors along the class axis and a masked last step
            }

            return kind switch
            {
                < 4 => new Layout(new nint[] { c }, 0, false),
                < 10 => new Layout(new nint[] { n, c }, 1, false),
                _ => last ? new Layout(new nint[] { n, d, c }, 2, false) : new Layout(new nint[] { n, c, d }, 1, false),
            };
        });
    }

    private static Gen<Sample[]> Samples(LossProgram program, Layout layout, Hyper[] hypers, int? ignore, bool usesTarget)
    {
        int elements = layout.Elements;
        int positions = layout.Positions;

        int classes = layout.Classes;
        Gen<int> target = ignore is int ig && usesTarget
            ? Gen.Int[0, 9].SelectMany(r => r < 2 ? Gen.Const(ig) : Gen.Int[0, Math.Max(0, classes - 1)])
            : Gen.Int[0, Math.Max(0, classes - 1)];
        Gen<Sample> sample = Gen.Select(
            Gen.Double[-2, 2].Array[elements],
            Gen.Double[0.05, 0.95].Array[elements],
            Gen.Double[0.5, 2].Array[Math.Max(classes, 0)],
            target.Array[usesTarget ? positions : 0],
            Gen.Double[0.5, 2].Array[hypers.Length],
            Gen.Int[0, 5],
            Gen.Double[0.5, 2],
            Gen.Double[-1.5, 1.5].Array[elements]).Select(v =>
                new Sample(v.Item1, v.Item2, v.Item3, v.Item4, v.Item6 == 0 ? hypers.Select(h => h.Default).ToArray() : v.Item5, v.Item6 == 0, v.Item7, v.Item8));
        return sample.Array[3].Select(samples =>
        {
            // Now and then every position is ignored.
            if (ignore is int all && usesTarget && samples[0].T.Length > 0 && samples[0].X.Length % 7 == 3)
            {
                samples[0] = samples[0] with { T = samples[0].T.Select(_ => all).ToArray() };
            }

            return samples;
        });
    }
}
