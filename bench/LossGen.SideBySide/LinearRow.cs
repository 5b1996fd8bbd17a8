// The fused linear + cross entropy rows (docs/performance.md, "Fused linear + cross entropy"): N tokens of H features
// through a classifier [V, H] and cross entropy, forward and backward, as TorchSharp's F.linear + F.cross_entropy and
// as LossGen.TorchSharp's LinearLoss, and the three matrix products alone (logits, dh, dW: what either must do).
// Time (median of alternating rounds) and the peak resident memory each adds over what was resident before it (the
// kernel's high-water mark, reset through /proc/self/clear_refs before each measured step, after glibc's malloc_trim
// has returned freed memory), in all and beyond the two gradients every method must write (dh and dW).
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

    private static readonly LinearLoss Fused = LinearLoss.ClassIndices<float>(CrossEntropySum.ForwardBackward);

    public static void Run(IReadOnlyList<long> vocabularies, int rounds, string command)
    {
        Console.WriteLine();
        Console.WriteLine($"fused linear + cross entropy: N = {Tokens} tokens, H = {Features}, float32, forward + backward; {rounds} rounds, alternating");
        var lines = new List<string>
        {
            "| V | unfused ms | fused ms | products alone ms | fused ÷ unfused | fused ÷ products | unfused peak | fused peak | beyond dh, dW: unfused | beyond dh, dW: fused | fused ÷ unfused (beyond) | grads set to none: unfused peak | grads set to none: fused peak | loss unfused | loss fused |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        };
        foreach (long v in vocabularies)
        {
            manual_seed(7);
            using var h = (randn(Tokens, Features) * 0.5).requires_grad_(true);
            using var w = (randn(v, Features) * 0.02).requires_grad_(true);
            using var t = randint(0, v, [Tokens], dtype: ScalarType.Int64);
            // Gradients kept and zeroed in place, as TorchSharp's optimizers' zero_grad() does (autograd then adds the step's
            // gradients in place), or set to none, as Module.zero_grad() does (autograd then keeps a gradient that a custom
            // function returns only by copying it: the fused loss pays one copy of dh and dW there).
            bool setToNone = false;
            void Reset()
            {
                if (setToNone || h.grad is null || w.grad is null)
                {
                    h.grad?.Dispose();
                    h.grad = setToNone ? null : zeros_like(h);
                    w.grad?.Dispose();
                    w.grad = setToNone ? null : zeros_like(w);
                    return;
                }

                h.grad.zero_();
                w.grad.zero_();
            }

            double Unfused()
            {
                using var scope = NewDisposeScope();
                var loss = F.cross_entropy(F.linear(h, w), t);
                loss.backward();
                return loss.item<float>();
            }

            double FusedStep()
            {
                using var scope = NewDisposeScope();
                var loss = Fused.Apply(h, w, null, t);
                loss.backward();
                return loss.item<float>();
            }

            double Products()
            {
                using var _ = no_grad();
                using var logits = h.mm(w.t());
                using var dh = logits.mm(w);
                using var dw = logits.t().mm(h);
                return 0;
            }

            // Memory first, the fused step before any unfused one has run (so it finds no freed logits to reuse); each step's
            // gradients exist before it (the reset is outside the measure).
            long memFused = PeakExtra(Reset, () => FusedStep()), memUnfused = PeakExtra(Reset, () => Unfused());
            setToNone = true;
            long noneFused = PeakExtra(Reset, () => FusedStep()), noneUnfused = PeakExtra(Reset, () => Unfused());
            setToNone = false;
            Reset();
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
                $"| {v} | {tu:0} | {tf:0} | {tp:0} | {tf / tu:0.00}× | {tf / tp:0.00}× | {Mb(memUnfused)} | {Mb(memFused)} | {Mb(memUnfused - gradients)} | {Mb(memFused - gradients)} | {(double)(memFused - gradients) / (memUnfused - gradients):0.000} | {Mb(noneUnfused)} | {Mb(noneFused)} | {lossUnfused:G7} | {lossFused:G7} |");
            Console.WriteLine(line);
            lines.Add(line);
            Reset();
            GC.Collect();
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
