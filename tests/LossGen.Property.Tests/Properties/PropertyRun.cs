using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using CsCheck;
using LossGen.Property.Tests.Expressions;
using LossGen.Property.Tests.Harness;
using LossGen.Property.Tests.Oracle;

namespace LossGen.Property.Tests.Properties;

/// <summary>How long a run is: the test command's fixed seed and size, or the environment's for a longer run.</summary>
public static class Settings
{
    /// <summary>Random losses per run; <c>LOSSGEN_PROPERTY_ITERATIONS</c> overrides it.</summary>
    public static int Iterations => Number("LOSSGEN_PROPERTY_ITERATIONS", 100);

    /// <summary>The seed of the run; <c>LOSSGEN_PROPERTY_SEED</c> overrides it (any 64-bit number).</summary>
    public static ulong Seed => (ulong)Number("LOSSGEN_PROPERTY_SEED", 20240808);

    /// <summary>How deep random expressions nest (operations from the loss to a leaf); <c>LOSSGEN_PROPERTY_DEPTH</c> overrides it.</summary>
    public static int Depth => Number("LOSSGEN_PROPERTY_DEPTH", 4);

    /// <summary>Front-end fuzz inputs through the pure compiler; <c>LOSSGEN_FUZZ_ITERATIONS</c> overrides it.</summary>
    public static int FuzzIterations => Number("LOSSGEN_FUZZ_ITERATIONS", 100_000);

    private static int Number(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value > 0 ? value : fallback;
}

/// <summary>Draws random cases, compiles them in batches, checks them, and shrinks what fails.</summary>
public static class PropertyRun
{
    public const int BatchSize = 40;

    /// <summary>Keeps the input samples on which every function is inside its domain and values stay moderate.</summary>
    public static PropertyCase? Admit(PropertyCase c, Stats stats)
    {
        var evaluator = new Evaluator(c.Program, c.Hypers);
        var kept = new List<Sample>();
        foreach (Sample s in c.Samples)
        {
            Expected e = evaluator.Evaluate(c, s);
            if (e.Finite && e.ValueScale < 1e6 && e.GradientScale < 1e6)
            {
                kept.Add(s);
            }
            else
            {
                stats.RejectedInputs++;
            }
        }

        return kept.Count == 0 ? null : c with { Samples = kept.ToArray() };
    }

    public static List<PropertyCase> Draw(int count, ulong seed, Stats stats, int maxDepth = 4)
    {
        var pcg = new PCG(1, seed);
        var cases = new List<PropertyCase>();
        int attempts = 0;
        while (cases.Count < count && attempts++ < count * 20)
        {
            PropertyCase drawn = CaseGen.Case("L" + cases.Count, maxDepth).Generate(pcg, null!, out _);
            PropertyCase? admitted = Admit(drawn, stats);
            if (admitted is not null)
            {
                cases.Add(admitted);
            }
        }

        return cases;
    }

    public static List<Failure> CheckAll(IReadOnlyList<PropertyCase> cases, Stats stats, Action<string>? log = null)
    {
        var failures = new List<Failure>();
        for (int start = 0; start < cases.Count; start += BatchSize)
        {
            var batch = cases.Skip(start).Take(BatchSize).ToList();
            var watch = Stopwatch.StartNew();
            using CompiledBatch compiled = InMemoryCompiler.Compile(batch.Select((c, i) => (c.Name, c.Declaration(c.Name, (i % 5) switch { 1 => "verbatim", 2 => "raw", _ => "regular" }), c.Hypers.Select(h => h.Name).ToArray())).ToList());
            long compileMs = watch.ElapsedMilliseconds;
            foreach (PropertyCase c in batch)
            {
                failures.AddRange(PropertyChecker.Check(c, compiled.Losses[c.Name], stats));
            }

            log?.Invoke($"batch of {batch.Count}: compiled in {compileMs} ms ({InMemoryCompiler.LastTimings}), checked in {watch.ElapsedMilliseconds - compileMs} ms");
        }

        return failures;
    }

    /// <summary>
    /// Greedy shrinking: smaller programs (a node replaced by a child or a leaf, a definition dropped), simpler options and
    /// layouts; each round's candidates are compiled as one batch; the smallest that still fails wins the round.
    /// </summary>
    public static Failure Shrink(Failure failure, Stats stats, TimeSpan budget)
    {
        var watch = Stopwatch.StartNew();
        Failure best = failure;
        while (watch.Elapsed < budget)
        {
            var candidates = Candidates(best.Case).Select(c => Admit(c, new Stats())).OfType<PropertyCase>()
                .DistinctBy(c => c.Describe()).Take(BatchSize).ToList();
            if (candidates.Count == 0)
            {
                break;
            }

            candidates = candidates.Select((c, i) => c with { Name = "S" + i }).ToList();
            var failing = CheckAll(candidates, new Stats())
                .OrderBy(f => f.Case.Program.Size).ThenBy(f => f.Case.Layout.Elements).ThenBy(f => f.Case.Samples.Length).ToList();
            Failure? smaller = failing.FirstOrDefault(f => Weight(f.Case) < Weight(best.Case));
            if (smaller is null)
            {
                break;
            }

            best = smaller with { Case = smaller.Case with { Name = failure.Case.Name } };
        }

        return best;
    }

    private static long Weight(PropertyCase c) =>
        c.Program.Size * 10_000L + c.Program.Locals.Count * 1000 + c.Layout.Elements * 10 + c.Samples.Length + c.Hypers.Length + (c.IgnoreIndex is null ? 0 : 1) + (c.Reduction == 2 ? 0 : 1)
        + (c.Style == PrintStyle.Plain ? 0 : 1) + (c.SpecialisedClasses ? 1 : 0);

    private static IEnumerable<PropertyCase> Candidates(PropertyCase c)
    {
        LossProgram p = c.Program;

        // One sample at a time.
        if (c.Samples.Length > 1)
        {
            foreach (Sample s in c.Samples)
            {
                yield return c with { Samples = new[] { s } };
            }
        }

        // Simpler options.
        if (c.Style != PrintStyle.Plain) yield return c with { Style = PrintStyle.Plain };
        if (c.Reduction != 2) yield return c with { Reduction = 2, Samples = c.Samples };
        if (c.SpecialisedClasses) yield return c with { SpecialisedClasses = false };
        if (c.IgnoreIndex is not null) yield return c with { IgnoreIndex = null, Samples = c.Samples.Select(s => s with { T = s.T.Select(v => v < 0 ? 0 : v).ToArray() }).ToArray() };
        if (p.MeanWeight is not null) yield return c with { Program = p with { MeanWeight = null } };

        // Fewer positions: the first position only.
        if (!c.Layout.Flat && c.Layout.XShape.Length >= 2 && c.Layout.XShape[0] > 1)
        {
            foreach (PropertyCase smaller in FirstRow(c))
            {
                yield return smaller;
            }
        }

        // Unused hyper-parameters and definitions.
        for (int h = 0; h < c.Hypers.Length; h++)
        {
            string name = c.Hypers[h].Name;
            if (!Tree.Any(p, n => n is Ref r && r.Name == name))
            {
                int skip = h;
                yield return c with { Hypers = c.Hypers.Where((_, i) => i != skip).ToArray(), Samples = c.Samples.Select(s => s with { HyperValues = s.HyperValues.Where((_, i) => i != skip).ToArray() }).ToArray() };
            }
        }

        for (int l = 0; l < p.Locals.Count; l++)
        {
            (string name, Ex value) = p.Locals[l];
            var others = p.Locals.Where((_, i) => i != l).ToList();
            LossProgram without = p with { Locals = others };
            if (!Tree.Any(without, n => n is Ref r && r.Name == name))
            {
                yield return c with { Program = without };
            }
            else
            {
                // Inline the definition.
                LossProgram inlined = new(others.Select(o => (o.Name, Substitute(o.Value, name, value))).ToList(), Substitute(p.Body, name, value), p.MeanWeight is null ? null : Substitute(p.MeanWeight, name, value));
                yield return c with { Program = inlined };
            }
        }

        // Replace a node of a definition or of the body by one of its children or by a leaf.
        var leaves = new List<Ex> { new Ref("x"), new Num(1), new Num(2) };
        if (c.UsesTarget) leaves.Add(new Pick(new Ref("x")));
        for (int root = 0; root <= p.Locals.Count; root++)
        {
            Ex tree = root < p.Locals.Count ? p.Locals[root].Value : p.Body;
            List<Ex> nodes = Tree.PreOrder(tree);
            for (int i = 0; i < nodes.Count; i++)
            {
                foreach (Ex replacement in Tree.Children(nodes[i]).Concat(nodes[i] is Num or Ref or OneHot ? Array.Empty<Ex>() : leaves))
                {
                    Ex changed = Tree.Replace(tree, i, replacement);
                    LossProgram q = root < p.Locals.Count
                        ? p with { Locals = p.Locals.Select((l, k) => k == root ? (l.Name, changed) : l).ToList() }
                        : p with { Body = changed };
                    if (WellTyped(q))
                    {
                        yield return c with { Program = q };
                    }
                }
            }
        }
    }

    private static IEnumerable<PropertyCase> FirstRow(PropertyCase c)
    {
        Layout layout = c.Layout;
        nint[] shape = (nint[])layout.XShape.Clone();
        shape[0] = 1;
        var smaller = new Layout(shape, layout.ClassAxis, layout.EmptyTargetShape);
        int elements = smaller.Elements;
        int positions = smaller.Positions;
        yield return c with
        {
            Layout = smaller,
            Samples = c.Samples.Select(s => s with
            {
                X = s.X.Take(elements).ToArray(),
                Y = s.Y.Take(elements).ToArray(),
                T = s.T.Take(positions).ToArray(),
                DLoss = s.DLoss.Take(elements).ToArray(),
            }).ToArray(),
        };
    }

    private static Ex Substitute(Ex e, string name, Ex value) => e switch
    {
        Ref r when r.Name == name => value,
        Neg n => new Neg(Substitute(n.A, name, value)),
        Bin b => new Bin(b.Op, Substitute(b.A, name, value), Substitute(b.B, name, value)),
        Call k => new Call(k.Fn, k.Args.Select(a => Substitute(a, name, value)).ToArray()),
        Pick k => new Pick(Substitute(k.A, name, value)),
        _ => e,
    };

    /// <summary>The language's shape rules (docs/dsl.md), checked on the tests' own tree.</summary>
    public static bool WellTyped(LossProgram p)
    {
        var shapes = new Dictionary<string, Sh>();
        foreach ((string name, Ex value) in p.Locals)
        {
            if (!Check(value, shapes))
            {
                return false;
            }

            shapes[name] = Tree.Shape(value, shapes);
        }

        Sh body = Tree.Shape(p.Body, shapes);
        return Check(p.Body, shapes) && body != Sh.Scalar && Tree.Mentions(p.Body, "x", p)
            && (p.MeanWeight is null || (body == Sh.Row && Check(p.MeanWeight, shapes)));

        static bool Check(Ex e, Dictionary<string, Sh> shapes) => Tree.Nodes(e).All(n => n switch
        {
            Pick k => Tree.Shape(k.A, shapes) == Sh.Class,
            Call k when Tree.OverClasses(k) => Tree.Shape(k.A, shapes) == Sh.Class,
            _ => true,
        });
    }
}
