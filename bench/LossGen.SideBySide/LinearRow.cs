// The fused linear + cross entropy rows (docs/performance.md, "Fused linear + cross entropy"): N tokens of H features
// through a classifier [V, H] and cross entropy, forward and backward, as TorchSharp's F.linear + F.cross_entropy and
// as LossGen.TorchSharp's LinearLoss, and the three matrix products alone (logits, dh, dW: what either must do).
// Time (median of alternating rounds) and the peak resident memory each adds over what was resident before it (the
// kernel's high-water mark, reset through /proc/self/clear_refs before the measured step, after glibc's malloc_trim
// has returned freed memory; each measure in a fresh process, on the method's second step), in all and beyond the two
// gradients every method must write (dh and dW).
//
//   dotnet run -c Release --project bench/LossGen.SideBySide -- --linear 32000,128256
#if LOSSGEN_TORCH_BRIDGE
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace LossGen.Bench;

internal static class LinearRow
{
    public const long Tokens = 4096, Features = 1024;

    private static readonly LinearLoss FusedLoss = LinearLoss.ClassIndices<float>(CrossEntropySum.ForwardBackward);

    /// <summary>
    /// The inputs of one row and its three steps. Gradients are kept and zeroed in place, as TorchSharp's optimizers'
    /// zero_grad() does (autograd then adds a step's gradients in place), or set to none, as Module.zero_grad() does
    /// (autograd then keeps a gradient that a custom function returns only by copying it: the fused loss pays one
    /// transient copy of dh and dW there).
    /// </summary>
    private sealed class Workload : IDisposable
    {
        private readonly Tensor _h, _w, _t;

        public Workload(long vocabulary)
        {
            manual_seed(7);
            _h = (randn(Tokens, Features) * 0.5).requires_grad_(true);
            _w = (randn(vocabulary, Features) * 0.02).requires_grad_(true);
            _t = randint(0, vocabulary, [Tokens], dtype: ScalarType.Int64);
        }

        public bool SetToNone { get; set; }

        public void Reset()
        {
            if (SetToNone || _h.grad is null || _w.grad is null)
            {
                _h.grad?.Dispose();
                _h.grad = SetToNone ? null : zeros_like(_h);
                _w.grad?.Dispose();
                _w.grad = SetToNone ? null : zeros_like(_w);
                return;
            }

            _h.grad.zero_();
            _w.grad.zero_();
        }

        public double Unfused()
        {
            using var scope = NewDisposeScope();
            var loss = F.cross_entropy(F.linear(_h, _w), _t);
            loss.backward();
            return loss.item<float>();
        }

        public double Fused()
        {
            using var scope = NewDisposeScope();
            var loss = FusedLoss.Apply(_h, _w, null, _t);
            loss.backward();
            return loss.item<float>();
        }

        /// <summary>The fused loss and gradients twice, and once on one libtorch thread: whether they are bit-identical run to run and across thread counts.</summary>
        public (bool Runs, bool Threads) Deterministic()
        {
            int threads = get_num_threads();
            (float Loss, Tensor Dh, Tensor Dw) Step()
            {
                SetToNone = true;
                Reset();
                float loss = (float)Fused();
                return (loss, _h.grad!.clone(), _w.grad!.clone());
            }

            var first = Step();
            var second = Step();
            set_num_threads(1);
            var single = Step();
            set_num_threads(threads);
            SetToNone = false;
            bool Same((float Loss, Tensor Dh, Tensor Dw) a, (float Loss, Tensor Dh, Tensor Dw) b) =>
                BitConverter.SingleToInt32Bits(a.Loss) == BitConverter.SingleToInt32Bits(b.Loss) && a.Dh.eq(b.Dh).all().item<bool>() && a.Dw.eq(b.Dw).all().item<bool>();
            (bool runs, bool across) = (Same(first, second), Same(first, single));
            foreach (var step in new[] { first, second, single })
            {
                step.Dh.Dispose();
                step.Dw.Dispose();
            }

            return (runs, across);
        }

        public double Products()
        {
            using var _ = no_grad();
            using var logits = _h.mm(_w.t());
            using var dh = logits.mm(_w);
            using var dw = logits.t().mm(_h);
            return 0;
        }

        public void Dispose()
        {
            _h.grad?.Dispose();
            _w.grad?.Dispose();
            _h.Dispose();
            _w.Dispose();
            _t.Dispose();
        }
    }

    /// <summary>
    /// --linear-peak METHOD,V,GRADS (fused or unfused; kept or none): the peak resident bytes the method's second step
    /// adds (the first warms libtorch and the kernels), with its gradients existing before it (kept) or not (none).
    /// </summary>
    public static long MeasurePeak(string spec)
    {
        string[] parts = spec.Split(',');
        using var work = new Workload(long.Parse(parts[1], CultureInfo.InvariantCulture)) { SetToNone = parts[2] == "none" };
        Func<double> step = parts[0] == "fused" ? work.Fused : work.Unfused;
        work.Reset();
        step();
        return PeakExtra(work.Reset, () => step());
    }

    /// <summary>Runs <see cref="MeasurePeak"/> in a new process of this program.</summary>
    private static long PeakInProcess(string method, long vocabulary, string grads)
    {
        string host = Environment.ProcessPath!;
        string arguments = $"--linear-peak {method},{vocabulary},{grads}";
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
            arguments = $"\"{typeof(LinearRow).Assembly.Location}\" " + arguments;
        using var child = Process.Start(new ProcessStartInfo(host, arguments) { RedirectStandardOutput = true, UseShellExecute = false })!;
        string output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        foreach (string line in output.Split('\n'))
        {
            if (line.StartsWith("peak ", StringComparison.Ordinal))
                return long.Parse(line.Substring(5).Trim(), CultureInfo.InvariantCulture);
        }

        throw new InvalidOperationException($"--linear-peak {method},{vocabulary},{grads} printed no peak: {output}");
    }

    public static void Run(IReadOnlyList<long> vocabularies, int rounds, string command, string chart)
    {
        var results = new List<LinearResult>();
        Console.WriteLine();
        Console.WriteLine($"fused linear + cross entropy: N = {Tokens} tokens, H = {Features}, float32, forward + backward; {rounds} rounds, alternating");
        var lines = new List<string>
        {
            "| V | unfused ms | fused ms | products alone ms | fused ÷ unfused | fused ÷ products | unfused peak | fused peak | beyond dh, dW: unfused | beyond dh, dW: fused | fused ÷ unfused (beyond) | grads set to none: unfused peak | grads set to none: fused peak | loss unfused | loss fused | fused bit-identical: two runs | fused bit-identical: 2 and 1 threads |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        };
        foreach (long v in vocabularies)
        {
            // Memory first, each measure in a fresh process of its own (so that no method finds memory another freed).
            long memFused = PeakInProcess("fused", v, "kept"), memUnfused = PeakInProcess("unfused", v, "kept");
            long noneFused = PeakInProcess("fused", v, "none"), noneUnfused = PeakInProcess("unfused", v, "none");
            using var work = new Workload(v);
            Func<double> Unfused = work.Unfused, FusedStep = work.Fused, Products = work.Products;
            Action Reset = work.Reset;
            (bool sameRuns, bool sameThreads) = work.Deterministic();
            Reset();
            double lossUnfused = Unfused();
            Reset();
            double lossFused = FusedStep();
            Products();
            long gradients = (Tokens * Features + v * Features) * sizeof(float);
            var times = new Dictionary<string, List<double>> { ["unfused"] = new(), ["fused"] = new(), ["products"] = new() };
            for (int r = 0; r < rounds; r++)
            {
                foreach ((string name, Func<double> step) in Rotate(r, ("unfused", Unfused), ("fused", FusedStep), ("products", Products)))
                {
                    Reset();
                    var clock = Stopwatch.StartNew();
                    step();
                    times[name].Add(clock.Elapsed.TotalMilliseconds);
                }
            }

            double tu = Median(times["unfused"]), tf = Median(times["fused"]), tp = Median(times["products"]);
            string line = string.Create(CultureInfo.InvariantCulture,
                $"| {v} | {tu:0} | {tf:0} | {tp:0} | {tf / tu:0.00}× | {tf / tp:0.00}× | {Mb(memUnfused)} | {Mb(memFused)} | {Mb(memUnfused - gradients)} | {Mb(memFused - gradients)} | {(double)(memFused - gradients) / (memUnfused - gradients):0.000} | {Mb(noneUnfused)} | {Mb(noneFused)} | {lossUnfused:G7} | {lossFused:G7} | {(sameRuns ? "yes" : "no")} | {(sameThreads ? "yes" : "no")} |");
            Console.WriteLine(line);
            lines.Add(line);
            results.Add(new LinearResult(v, tu, tf, tp, (memUnfused - gradients) / 1048576.0, (memFused - gradients) / 1048576.0));
            GC.Collect();
        }

        LinearChart.Save(results, chart, $"N = {Tokens} tokens, H = {Features}, float32, libtorch on {get_num_threads()} threads; the table in docs/performance.md");
        Console.WriteLine($"chart: {chart}");

        Console.WriteLine();
        Console.WriteLine($"Measured with `{command}`:");
        Console.WriteLine();
        foreach (string line in lines)
        {
            Console.WriteLine(line);
        }
    }

    /// <summary>
    /// --gemm: the three products of one chunk of the fused loss at V = 32000 (256 tokens, H = 1024: logits = h W^T,
    /// dh = g W, dW += g^T h), in GFLOP/s, FusedLinear.ManagedGemm (the span API's default) against libtorch's mm (what
    /// LinearLoss uses and what a BLAS gives); best of 3 after a warm-up.
    /// </summary>
    public static void RunGemm(string command)
    {
        const int chunk = 256, features = (int)Features, vocabulary = 32000;
        manual_seed(7);
        float[] h = (randn(chunk, features) * 0.5).data<float>().ToArray();
        float[] w = (randn(vocabulary, features) * 0.02).data<float>().ToArray();
        float[] g = (randn(chunk, vocabulary) * 1e-4).data<float>().ToArray();
        float[] logits = new float[chunk * vocabulary], dh = new float[chunk * features], dw = new float[vocabulary * features];
        using var th = tensor(h, [chunk, features]);
        using var tw = tensor(w, [vocabulary, features]);
        using var tg = tensor(g, [chunk, vocabulary]);
        using var tdw = zeros(vocabulary, features);
        double flop = 2.0 * chunk * vocabulary * features;
        var rows = new (string Product, Action Managed, Action Torch)[]
        {
            ("logits = h W^T [256, 32000]", () => FusedLinear.ManagedGemm<float>(false, true, chunk, vocabulary, features, 1f, h, features, w, features, 0f, logits, vocabulary), () => th.mm(tw.t()).Dispose()),
            ("dh = g W [256, 1024]", () => FusedLinear.ManagedGemm<float>(false, false, chunk, features, vocabulary, 1f, g, vocabulary, w, features, 0f, dh, features), () => tg.mm(tw).Dispose()),
            ("dW += g^T h [32000, 1024]", () => FusedLinear.ManagedGemm<float>(true, false, vocabulary, features, chunk, 1f, g, vocabulary, h, features, 1f, dw, features), () => tdw.addmm_(tg.t(), th, 1, 1)),
        };
        var lines = new List<string> { "| product | ManagedGemm GFLOP/s | libtorch mm GFLOP/s | libtorch ÷ managed |", "|---|---:|---:|---:|" };
        foreach ((string product, Action managed, Action torch) in rows)
        {
            double Best(Action run)
            {
                run();
                double best = double.MaxValue;
                for (int r = 0; r < 3; r++)
                {
                    var clock = Stopwatch.StartNew();
                    run();
                    best = Math.Min(best, clock.Elapsed.TotalSeconds);
                }

                return flop / best / 1e9;
            }

            double m = Best(managed), t = Best(torch);
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"| {product} | {m:0.0} | {t:0.0} | {t / m:0.0}× |"));
            Console.WriteLine(lines[^1]);
        }

        Console.WriteLine();
        Console.WriteLine($"Measured with `{command}`:");
        Console.WriteLine();
        foreach (string line in lines)
        {
            Console.WriteLine(line);
        }
    }

    private static IEnumerable<(string, Func<double>)> Rotate(int round, params (string, Func<double>)[] steps) =>
        steps.Skip(round % steps.Length).Concat(steps.Take(round % steps.Length));

    private static double Median(List<double> values)
    {
        var sorted = values.OrderBy(x => x).ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>The peak resident bytes a step adds over what is resident before it (Linux: VmHWM after a reset).</summary>
    private static long PeakExtra(Action reset, Action step)
    {
        reset();
        // Tensors whose handles the garbage collector holds (the previous step's) are freed now, not during the step.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        MallocTrim(0);
        long before = Status("VmRSS");
        File.WriteAllText("/proc/self/clear_refs", "5");
        step();
        return Math.Max(0, Status("VmHWM") - before);
    }

    private static long Status(string field)
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                return long.Parse(line.Substring(field.Length + 1).Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }

    /// <summary>glibc's malloc_trim: returns freed memory to the system, so the resident size before a step is what is in use.</summary>
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    private static string Mb(long bytes) => (bytes / 1048576.0).ToString("0", CultureInfo.InvariantCulture) + " MB";
}
#endif
