using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace LossGen.Bench;

/// <summary>Command-line options of the side-by-side runner.</summary>
internal sealed class Options
{
    public bool Quick { get; private set; }
    public bool CheckOnly { get; private set; }
    public bool SkipCheck { get; private set; }
    public bool KeepGoing { get; private set; }
    public bool Write { get; private set; } = true;
    public bool Chart { get; private set; } = true;
    public string? DocsDir { get; private set; }
    public int TorchThreads { get; private set; } = 2;
    public double? BudgetSeconds { get; private set; }
    public ulong Seed { get; private set; } = BenchData.DefaultSeed;
    public HashSet<string>? Cases { get; private set; }
    public bool TrainBaseline { get; private set; }
    public string? Note { get; private set; }
    /// <summary>How libtorch's gradient is reset between calls: "none" (x.grad = None) or "zero" (x.grad.zero_(), then accumulated).</summary>
    public string TorchGrad { get; private set; } = "none";
    public bool Help { get; private set; }

    /// <summary>--linear V,...: only the fused linear + cross entropy rows, for these vocabulary sizes.</summary>
    public List<long>? Linear { get; private set; }

    /// <summary>--gemm: only the GFLOP/s of the products of one fused chunk, FusedLinear.ManagedGemm against libtorch's mm.</summary>
    public bool Gemm { get; private set; }

    /// <summary>--linear-peak METHOD,V,GRADS: one memory measure of the fused linear rows, in a process of its own (the rows start it).</summary>
    public string? LinearPeak { get; private set; }

    /// <summary>--rounds N: rounds of the fused linear rows (default 5).</summary>
    public int LinearRounds { get; private set; } = 5;

    /// <summary>Seconds spent timing one row (all its columns, interleaved).</summary>
    public double Budget => BudgetSeconds ?? (Quick ? 2.0 : 12.0);
    public int MinRounds => Quick ? 5 : 11;
    public int MaxRounds => Quick ? 41 : 301;

    public const string Usage = """
        LossGen side-by-side runner: checks LossGen against libtorch, then times, in one process, with warm buffers
        and medians: a copy of x, libtorch (TorchSharp-cpu) forward+backward, a TensorPrimitives composition and
        LossGen ForwardBackward. Prints the table and the speed goals, draws docs/performance.png and updates
        the generated part of docs/performance.md.

          dotnet run -c Release --project bench/LossGen.SideBySide [-- options]

        options:
          --quick            short run (about 2 s per row instead of 12; fewer repetitions): a smoke test, not for docs
          --check-only       only check LossGen against libtorch, time nothing
          --no-check         skip the check (not for published numbers)
          --keep-going       time rows even after a mismatch (the table and docs then say MISMATCH on that row)
          --no-write         print the markdown, write nothing under docs/
          --no-chart         do not draw the PNG
          --docs DIR         where performance.md and performance.png go (default: <repo>/docs)
          --threads N        libtorch threads (default 2: both cores of the reference machine)
          --budget SECONDS   seconds of timing per row (overrides --quick's)
          --seed N           data seed (default 20251125)
          --cases A,B,...    only these rows: 65536x4, 65536x10, 4096x1000, 2048x32000, soft4096x1000, train
          --train-baseline   time the TorchSharp training step even without the bridge (bridge column n/a)
          --torch-grad MODE  how libtorch's x.grad is reset before each call: none (default; zero_grad(set_to_none=True),
                             PyTorch's default: backward allocates a fresh gradient) or zero (x.grad.zero_(), backward
                             accumulates into the kept tensor: no fresh allocation for dx)
          --note TEXT        a line quoted above the table in docs/performance.md (e.g. "machine shared with other jobs")
          --linear V,...     only the fused linear + cross entropy rows (N = 4096, H = 1024), for these vocabularies
          --rounds N         rounds of the --linear rows (default 5)
          --help             this text
        """;

    public static Options Parse(string[] args)
    {
        var o = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{a} needs a value");
            switch (a)
            {
                case "--quick": o.Quick = true; break;
                case "--check-only": o.CheckOnly = true; break;
                case "--no-check": o.SkipCheck = true; break;
                case "--keep-going": o.KeepGoing = true; break;
                case "--no-write": o.Write = false; break;
                case "--no-chart": o.Chart = false; break;
                case "--docs": o.DocsDir = Next(); break;
                case "--threads": o.TorchThreads = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--budget": o.BudgetSeconds = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--seed": o.Seed = ulong.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--cases": o.Cases = new HashSet<string>(Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.OrdinalIgnoreCase); break;
                case "--train-baseline": o.TrainBaseline = true; break;
                case "--note": o.Note = Next(); break;
                case "--torch-grad":
                    o.TorchGrad = Next() is "none" or "zero" ? args[i] : throw new ArgumentException("--torch-grad takes none or zero");
                    break;
                case "--linear": o.Linear = Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToList(); break;
                case "--linear-peak": o.LinearPeak = Next(); break;
                case "--gemm": o.Gemm = true; break;
                case "--rounds": o.LinearRounds = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "-h" or "--help": o.Help = true; break;
                default: throw new ArgumentException($"unknown option {a}; --help lists them");
            }
        }
        return o;
    }

    /// <summary>The options as they would be typed, for the "command that made it" line.</summary>
    public string CommandLine(string[] args) =>
        "dotnet run -c Release --project bench/LossGen.SideBySide" + (args.Length > 0 ? " -- " + string.Join(' ', args.Select(ShellQuote)) : "");

    /// <summary>Quotes an argument for a POSIX shell when it needs it.</summary>
    private static string ShellQuote(string arg) =>
        arg.Length > 0 && arg.All(ch => char.IsAsciiLetterOrDigit(ch) || "_-./,:=@%+".Contains(ch))
            ? arg
            : "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
