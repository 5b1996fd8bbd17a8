using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using LossGen.Property.Tests.Expressions;
using LossGen.Property.Tests.Harness;
using LossGen.Property.Tests.Oracle;
using Microsoft.CodeAnalysis;

namespace LossGen.Property.Tests.Properties;

/// <summary>What the property runs counted.</summary>
public sealed class Stats
{
    public int Cases;
    public int Samples;
    public int Calls;
    public int OracleChecks;
    public int FiniteDifferenceChecks;
    public int NearKinkSkips;
    public int RejectedInputs;
    public int FloatChecks;
    public int IndependentOfX;
    public readonly HashSet<string> FunctionsSeen = new();

    public override string ToString() =>
        $"{Cases} random losses, {Samples} input samples, {Calls} generated-method calls, {OracleChecks} oracle comparisons, " +
        $"{FiniteDifferenceChecks} finite-difference gradient checks, {FloatChecks} float32 comparisons; {NearKinkSkips} samples within rounding of a kink compared by value only; " +
        $"{RejectedInputs} input samples out of every function's domain redrawn; {IndependentOfX} losses rightly rejected as independent of x (LG0008); {FunctionsSeen.Count} distinct functions and operators used";
}

/// <summary>A property that did not hold, with everything needed to reproduce it.</summary>
public sealed record Failure(PropertyCase Case, string Message)
{
    public override string ToString() => Case.Describe() + "\n  " + Message.Replace("\n", "\n  ");
}

/// <summary>
/// Checks one compiled random loss against the oracle and against finite differences of its own forward pass, through
/// every generated method: Forward, Backward, ForwardBackward, the dy overloads, float and double, int and long targets.
/// </summary>
public static class PropertyChecker
{
    public const double Sentinel = 12345.5;

    public static List<Failure> Check(PropertyCase c, LossBinding binding, Stats stats)
    {
        var failures = new List<Failure>();
        void Fail(string message) => failures.Add(new Failure(c, message));
        stats.Cases++;
        foreach (Ex node in c.Program.Roots.SelectMany(Tree.Nodes))
        {
            stats.FunctionsSeen.Add(node switch { Call call when Tree.IsWhere(call) => "where/3", Call call => call.Fn + "/" + call.Args.Length, Bin b => b.Op.ToString(), Neg => "neg", Pick => "pick", OneHot => "one_hot/1", _ => "leaf" });
        }

        if (binding.Failure is not null)
        {
            Fail(binding.Failure);
            return failures;
        }

        if (binding.Errors.All(d => d.Id == "LG0008") && binding.Errors.Any())
        {
            // Syntactically x is there, but the loss may simplify to something without it (x * log(1)): then the
            // diagnostic is right. The oracle decides: dL/dx must be zero everywhere it is evaluated.
            var oracle = new Evaluator(c.Program, c.Hypers);
            if (c.Samples.All(s => oracle.Evaluate(c, s).Dx.All(v => v == 0)))
            {
                stats.IndependentOfX++;
                return failures;
            }
        }

        if (binding.Errors.Any())
        {
            Fail("The generator rejected a well-typed expression: " + string.Join("; ", binding.Errors.Select(d => d.Id + ": " + d.GetMessage(CultureInfo.InvariantCulture))));
            return failures;
        }

        if (binding.Diagnostics.Any(d => d.Id == "LG9999"))
        {
            Fail("Internal error: " + string.Join("; ", binding.Diagnostics.Select(d => d.GetMessage(CultureInfo.InvariantCulture))));
            return failures;
        }

        CheckSignatures(c, binding, Fail);
        if (failures.Count > 0)
        {
            return failures;
        }

        var evaluator = new Evaluator(c.Program, c.Hypers);
        bool reduced = c.Reduction != 0;
        string? index = c.UsesTarget ? "int" : null;
        var forward = binding.Methods[new MethodKey("Forward", "double", index, false)];
        var backward = binding.Methods[new MethodKey("Backward", "double", index, false)];
        var both = binding.Methods[new MethodKey("ForwardBackward", "double", index, false)];
        binding.Methods.TryGetValue(new MethodKey("Backward", "double", index, true), out var backwardDy);
        binding.Methods.TryGetValue(new MethodKey("ForwardBackward", "double", index, true), out var bothDy);

        for (int s = 0; s < c.Samples.Length; s++)
        {
            Sample sample = c.Samples[s];
            Expected expected = evaluator.Evaluate(c, sample);
            stats.Samples++;
            string at = $"sample {s}: {DescribeSample(c, sample)}";
            string? error = Guard(() =>
            {
                // Forward.
                CallArgs args = Args(c, sample);
                double value = forward(args);
                stats.Calls++;
                CompareLoss("Forward", value, args.Loss, expected, c, Fail, at);

                // Backward, then ForwardBackward, against the oracle.
                bool nearKink = expected.AmbiguousKinkMargin < 1e-6;
                if (nearKink)
                {
                    stats.NearKinkSkips++;
                }

                args = Args(c, sample);
                backward(args);
                stats.Calls++;
                double[] dx = args.Dx;
                Written("Backward dx", dx, Fail, at);
                if (!nearKink)
                {
                    Compare("Backward dx", dx, expected.Dx, Tolerance(expected), Fail, at);
                }

                args = Args(c, sample);
                double fb = both(args);
                stats.Calls++;
                CompareLoss("ForwardBackward", fb, args.Loss, expected, c, Fail, at);
                Compare("ForwardBackward dx vs Backward dx", args.Dx, dx, 1e-10 * Math.Max(1, expected.GradientScale), Fail, at);
                stats.OracleChecks += 3;

                bool dyMatters = expected.Dy.Any(v => Math.Abs(v) > Tolerance(expected));
                if (backwardDy is null)
                {
                    if (dyMatters && !nearKink)
                    {
                        Fail($"{at}\n  y enters the loss differentiably (dL/dy = {Format(expected.Dy)}) but there is no dy overload");
                    }
                }
                else
                {
                    args = Args(c, sample);
                    backwardDy(args);
                    stats.Calls++;
                    Compare("Backward(dy) dx vs Backward dx", args.Dx, dx, 1e-10 * Math.Max(1, expected.GradientScale), Fail, at);
                    if (!nearKink)
                    {
                        Compare("Backward dy", args.Dy, expected.Dy, Tolerance(expected), Fail, at);
                    }

                    double[] dy = args.Dy;
                    Written("Backward dy", dy, Fail, at);
                    args = Args(c, sample);
                    double fbDy = bothDy!(args);
                    stats.Calls++;
                    CompareLoss("ForwardBackward(dy)", fbDy, args.Loss, expected, c, Fail, at);
                    Compare("ForwardBackward(dy) dy vs Backward(dy) dy", args.Dy, dy, 1e-10 * Math.Max(1, expected.GradientScale), Fail, at);
                    stats.OracleChecks += 2;
                }

                // Long targets: the same computation.
                if (c.UsesTarget)
                {
                    args = Args(c, sample);
                    double viaLong = binding.Methods[new MethodKey("ForwardBackward", "double", "long", false)](args);
                    stats.Calls++;
                    if (!SameBits(viaLong, fb) || !args.Dx.Zip(dx).All(p => SameBits(p.First, p.Second)))
                    {
                        Fail($"{at}\n  long targets differ from int targets: {Format(viaLong)} vs {Format(fb)}, dx {Format(args.Dx)} vs {Format(dx)}");
                    }
                }

                // Finite differences of the generated Forward against the generated Backward.
                if (expected.KinkMargin > 1e-2 && expected.SingularMargin > 0.05 && expected.GradientScale < 1e3 && expected.ValueScale < 1e4 && c.Layout.Elements > 0
                    && !(reduced && double.IsNaN(expected.Reduced)))
                {
                    FiniteDifferences(c, sample, forward, dx, "x", Fail, at, stats);
                    if (backwardDy is not null)
                    {
                        args = Args(c, sample);
                        backwardDy(args);
                        FiniteDifferences(c, sample, forward, args.Dy, "y", Fail, at, stats);
                    }
                }

                // float32 against the oracle on float-rounded inputs.
                if (s == 0)
                {
                    Sample rounded = sample with
                    {
                        X = sample.X.Select(v => (double)(float)v).ToArray(),
                        Y = sample.Y.Select(v => (double)(float)v).ToArray(),
                        W = sample.W.Select(v => (double)(float)v).ToArray(),
                        HyperValues = sample.HyperValues.Select(v => (double)(float)v).ToArray(),
                        DLossScalar = (float)sample.DLossScalar,
                        DLoss = sample.DLoss.Select(v => (double)(float)v).ToArray(),
                    };
                    Expected e32 = evaluator.Evaluate(c with { Hypers = c.Hypers.Select(h => h with { Default = (float)h.Default }).ToArray() }, rounded);
                    if (e32.Finite && e32.AmbiguousKinkMargin > 1e-3 && e32.SingularMargin > 1e-2)
                    {
                        args = Args(c, rounded);
                        double v32 = binding.Methods[new MethodKey("ForwardBackward", "float", index, false)](args);
                        stats.Calls++;
                        double tolerance = 2e-4 * Math.Max(1, Math.Max(e32.ValueScale, e32.GradientScale));
                        CompareLoss("ForwardBackward<float>", v32, args.Loss, e32, c, Fail, at, tolerance);
                        Compare("ForwardBackward<float> dx", args.Dx, e32.Dx, tolerance, Fail, at);
                        stats.FloatChecks++;
                    }
                }
            });
            if (error is not null)
            {
                Fail($"{at}\n  threw {error}");
            }

            if (failures.Count > 0)
            {
                break;
            }
        }

        return failures;
    }

    private static string? Guard(Action action)
    {
        try
        {
            action();
            return null;
        }
        catch (Exception e)
        {
            return e.GetType().Name + ": " + e.Message;
        }
    }

    private static double Tolerance(Expected e) => 1e-8 * Math.Max(1, Math.Max(e.ValueScale, e.GradientScale));

    private static bool SameBits(double a, double b) => BitConverter.DoubleToInt64Bits(a) == BitConverter.DoubleToInt64Bits(b) || (double.IsNaN(a) && double.IsNaN(b));

    /// <summary>The arguments of one call, outputs filled with a sentinel so that an output left unwritten shows.</summary>
    public static CallArgs Args(PropertyCase c, Sample sample)
    {
        Layout layout = c.Layout;
        bool elementwise = c.Elementwise;
        int lossLength = elementwise ? layout.Elements : layout.Positions;
        return new CallArgs
        {
            X = (double[])sample.X.Clone(),
            XShape = layout.XShape,
            Y = (double[])sample.Y.Clone(),
            W = (double[])sample.W.Clone(),
            WShape = new nint[] { sample.W.Length },
            T = (int[])sample.T.Clone(),
            TLong = sample.T.Select(v => (long)v).ToArray(),
            TShape = layout.TShape,
            Loss = Enumerable.Repeat(Sentinel, lossLength).ToArray(),
            LossShape = elementwise ? layout.XShape : layout.XShape.Length == 1 && !layout.Flat ? new nint[] { 1 } : layout.TShape,
            DLoss = sample.DLoss.Take(lossLength).ToArray(),
            DLossScalar = sample.DLossScalar,
            Dx = Enumerable.Repeat(Sentinel, layout.Elements).ToArray(),
            Dy = Enumerable.Repeat(Sentinel, layout.Elements).ToArray(),
            Hyper = (double[])sample.HyperValues.Clone(),
            UseDefaults = sample.UseDefaults,
        };
    }

    private static void CompareLoss(string what, double value, double[] perValue, Expected expected, PropertyCase c, Action<string> fail, string at, double? tolerance = null)
    {
        double tol = tolerance ?? 1e-8 * Math.Max(1, expected.ValueScale);
        if (c.Reduction != 0)
        {
            if (!Close(value, expected.Reduced, tol * Math.Max(1, c.Layout.Elements / 4.0)))
            {
                fail($"{at}\n  {what} returned {Format(value)}, expected {Format(expected.Reduced)}");
            }
        }
        else
        {
            Compare(what + " loss", perValue, expected.Loss, tol, fail, at);
        }
    }

    private static void Written(string what, double[] buffer, Action<string> fail, string at)
    {
        int left = Array.IndexOf(buffer, Sentinel);
        if (left >= 0)
        {
            fail($"{at}\n  {what}[{left}] was not written");
        }
    }

    private static void Compare(string what, double[] actual, double[] expected, double tolerance, Action<string> fail, string at)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            if (!Close(actual[i], expected[i], tolerance))
            {
                fail($"{at}\n  {what}[{i}] = {Format(actual[i])}, expected {Format(expected[i])} (tolerance {tolerance:G2})\n  {what} = {Format(actual)}\n  expected = {Format(expected)}");
                return;
            }
        }
    }

    private static bool Close(double a, double b, double tolerance) =>
        (double.IsNaN(a) && double.IsNaN(b)) || a == b || Math.Abs(a - b) <= tolerance;

    private static void FiniteDifferences(PropertyCase c, Sample sample, Func<CallArgs, double> forward, double[] gradient, string input, Action<string> fail, string at, Stats stats)
    {
        bool reduced = c.Reduction != 0;
        double F(double[] values)
        {
            Sample moved = input == "x" ? sample with { X = values } : sample with { Y = values };
            CallArgs args = Args(c, moved);
            double r = forward(args);
            stats.Calls++;
            if (reduced)
            {
                return r * sample.DLossScalar;
            }

            double total = 0;
            for (int i = 0; i < args.Loss.Length; i++)
            {
                total += args.Loss[i] * args.DLoss[i];
            }

            return total;
        }

        double[] at0 = input == "x" ? sample.X : sample.Y;
        for (int i = 0; i < at0.Length; i++)
        {
            double h = 1e-4 * Math.Max(1, Math.Abs(at0[i]));
            double Central(double step)
            {
                double[] plus = (double[])at0.Clone();
                double[] minus = (double[])at0.Clone();
                plus[i] += step;
                minus[i] -= step;
                return (F(plus) - F(minus)) / (2 * step);
            }

            double estimate = (4 * Central(h / 2) - Central(h)) / 3; // Richardson: error O(h^4)
            stats.FiniteDifferenceChecks++;
            if (!(Math.Abs(estimate - gradient[i]) <= 1e-5 * Math.Max(1, Math.Abs(gradient[i]))))
            {
                fail($"{at}\n  d{input}[{i}] = {Format(gradient[i])} but central finite differences of Forward give {Format(estimate)}\n  d{input} = {Format(gradient)}");
                return;
            }
        }
    }

    private static void CheckSignatures(PropertyCase c, LossBinding binding, Action<string> fail)
    {
        bool y = Tree.Any(c.Program, n => n is Ref { Name: "y" });
        bool w = Tree.Any(c.Program, n => n is Ref { Name: "w" });
        bool t = c.UsesTarget;
        var inputs = new List<string> { "x" };
        if (y) inputs.Add("y");
        if (t) inputs.Add("t");
        if (w) inputs.Add("w");
        string[] hypers = c.Hypers.Select(h => h.Name).ToArray();
        bool reduced = c.Reduction != 0;
        bool hasDy = binding.Methods.Keys.Any(k => k.Dy);
        foreach (string element in new[] { "float", "double" })
        {
            foreach (string? index in t ? new[] { "int", "long" } : new string?[] { null })
            {
                foreach (bool dy in hasDy ? new[] { false, true } : new[] { false })
                {
                    foreach (string name in dy ? new[] { "Backward", "ForwardBackward" } : new[] { "Forward", "Backward", "ForwardBackward" })
                    {
                        var key = new MethodKey(name, element, index, dy);
                        if (!binding.Parameters.TryGetValue(key, out string[]? actual))
                        {
                            fail($"Missing method {key}; the class has {string.Join(", ", binding.Parameters.Keys)}");
                            continue;
                        }

                        var expected = new List<string>(inputs);
                        string[] outputs = (name, reduced) switch
                        {
                            ("Forward", true) => Array.Empty<string>(),
                            ("Forward", false) => new[] { "loss" },
                            ("Backward", true) => dy ? new[] { "dx", "dy", "dloss" } : new[] { "dx", "dloss" },
                            ("Backward", false) => dy ? new[] { "dloss", "dx", "dy" } : new[] { "dloss", "dx" },
                            (_, true) => dy ? new[] { "dx", "dy", "dloss" } : new[] { "dx", "dloss" },
                            _ => dy ? new[] { "loss", "dloss", "dx", "dy" } : new[] { "loss", "dloss", "dx" },
                        };
                        expected.AddRange(outputs);
                        expected.AddRange(hypers);
                        if (!expected.SequenceEqual(actual.Select(p => p.TrimStart('@'))))
                        {
                            fail($"{key} has parameters ({string.Join(", ", actual)}), docs/getting-started.md says ({string.Join(", ", expected)})");
                        }
                    }
                }
            }
        }

        int expectedCount = 2 * (t ? 2 : 1) * (hasDy ? 5 : 3);
        if (binding.Parameters.Count != expectedCount)
        {
            fail($"Expected {expectedCount} public methods, found {binding.Parameters.Count}: {string.Join(", ", binding.Parameters.Keys)}");
        }
    }

    public static string Format(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    public static string Format(double[] values) =>
        "[" + string.Join(", ", values.Take(24).Select(v => v.ToString("G10", CultureInfo.InvariantCulture))) + (values.Length > 24 ? ", …" : string.Empty) + "]";

    public static string DescribeSample(PropertyCase c, Sample s)
    {
        var sb = new StringBuilder();
        sb.Append("x = ").Append(Format(s.X));
        if (Tree.Any(c.Program, n => n is Ref { Name: "y" })) sb.Append(", y = ").Append(Format(s.Y));
        if (Tree.Any(c.Program, n => n is Ref { Name: "w" })) sb.Append(", w = ").Append(Format(s.W));
        if (c.UsesTarget) sb.Append(", t = [").Append(string.Join(", ", s.T)).Append(']');
        if (c.Hypers.Length > 0) sb.Append(s.UseDefaults ? ", hyper-parameters at their defaults" : ", hyper-parameters = " + Format(s.HyperValues));
        sb.Append(c.Reduction == 0 ? ", dloss = " + Format(s.DLoss) : ", dloss = " + Format(s.DLossScalar));
        return sb.ToString();
    }
}
