// The side-by-side runner of docs/performance.md. In one process: (1) checks LossGen's loss and gradient against libtorch's for
// every row and stops on a mismatch; (2) times a copy of x, libtorch, a TensorPrimitives composition and LossGen,
// interleaved, with warm buffers, and takes medians; (3) prints the table, the ratios and the goals; (4) draws
// docs/performance.png and rewrites the generated part of docs/performance.md.
//
//   dotnet run -c Release --project bench/LossGen.SideBySide            # full run, about 2 minutes
//   dotnet run -c Release --project bench/LossGen.SideBySide -- --quick # smoke test
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using LossGen.Bench;

Options options;
try
{
    options = Options.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(Options.Usage);
    return 2;
}
if (options.Help)
{
    Console.WriteLine(Options.Usage);
    return 0;
}
if (options.Cases?.FirstOrDefault(id => !RowCatalog.All.Any(s => string.Equals(s.Id, id, StringComparison.OrdinalIgnoreCase))) is { } unknown)
{
    Console.Error.WriteLine($"unknown row '{unknown}' in --cases; the rows are {string.Join(", ", RowCatalog.All.Select(s => s.Id))}");
    return 2;
}
#if DEBUG
Console.Error.WriteLine("warning: a Debug build; numbers are only meaningful with -c Release");
#endif

string repo = RepoRoot.Find();
var machine = new Machine(repo);
TorchEnv.Load(options.TorchThreads);
string torchVersion = TorchEnv.Version;
string command = options.CommandLine(args);
Console.WriteLine($"LossGen side by side: {machine.Cpu}, {machine.Cores} cores, {machine.Simd}");
Console.WriteLine($"{machine.Dotnet}; libtorch {torchVersion} with {TorchSharp.torch.get_num_threads()} threads; load average {machine.LoadBefore}; commit {machine.Commit}");

if (options.LinearPeak is { } peak)
{
#if LOSSGEN_TORCH_BRIDGE
    Console.WriteLine("peak " + LinearRow.MeasurePeak(peak).ToString(CultureInfo.InvariantCulture));
    return 0;
#else
    return 2;
#endif
}

if (options.Gemm)
{
#if LOSSGEN_TORCH_BRIDGE
    LinearRow.RunGemm(command);
    return 0;
#else
    Console.Error.WriteLine("--gemm needs bridge/LossGen.TorchSharp in the build");
    return 2;
#endif
}

if (options.Linear is { } vocabularies)
{
#if LOSSGEN_TORCH_BRIDGE
    LinearRow.Run(vocabularies, options.LinearRounds, command, Path.Combine(repo, "docs", "fused-linear.png"));
    return 0;
#else
    Console.Error.WriteLine("--linear needs bridge/LossGen.TorchSharp in the build");
    return 2;
#endif
}

bool Selected(RowCatalog.Spec s) => options.Cases is null || options.Cases.Contains(s.Id);
var specs = RowCatalog.All.Where(s => s.Kind != RowKind.TrainingStep && Selected(s)).ToList();
bool bridge = TrainingStep.HasBridge;
var trainSpec = RowCatalog.All.Single(s => s.Kind == RowKind.TrainingStep);
bool train = Selected(trainSpec) && (bridge || options.TrainBaseline);
if (!bridge && Selected(trainSpec))
{
    Console.WriteLine(options.TrainBaseline
        ? "training step: no bridge/LossGen.TorchSharp in this build; timing the TorchSharp side only"
        : "training step: no bridge/LossGen.TorchSharp in this build; row skipped (it is added when the bridge is in the tree)");
}

var data = new BenchData(options.Seed);
var workloads = new List<Workload>();
var clock = Stopwatch.StartNew();
foreach (var spec in specs) workloads.Add(new Workload(spec, data, options.TorchGrad == "zero"));
using var trainStep = train ? new TrainingStep(data) : null;
Console.WriteLine($"inputs ready ({clock.Elapsed.TotalSeconds:0.0} s, seed {options.Seed})");

string trainCheck = "not run";

// (1) Correctness against libtorch, before any timing.
if (!options.SkipCheck)
{
    Console.WriteLine();
    Console.WriteLine($"check against libtorch (float32: loss within {CheckResult.Rtol:0e+0} relative, dx within {CheckResult.Rtol:0e+0} relative + {CheckResult.Atol:0e+0}/N):");
    bool failed = false;
    foreach (var w in workloads)
    {
        var r = w.Check();
        string verdict = r.Passed ? "ok" : "MISMATCH";
        Console.WriteLine($"  {w.Spec.Label,-24} {verdict,-8} {r.Describe()}; repeat bit-identical: {(r.Repeatable ? "yes" : "NO")}");
        if (r.Composition is { } c) Console.WriteLine($"  {"",-24} {(c.Passed ? "ok" : "differs"),-8} {c.Describe()} (information only)");
        failed |= !r.Passed;
    }
    if (trainStep is not null && bridge)
    {
        var (torchLoss, bridgeLoss) = trainStep.CompareLosses();
        bool ok = Math.Abs(torchLoss - bridgeLoss) <= CheckResult.Rtol * Math.Abs(torchLoss) + CheckResult.Atol;
        Console.WriteLine($"  {"training step",-24} {(ok ? "ok" : "MISMATCH"),-8} loss through the bridge {bridgeLoss:G9} vs F.cross_entropy {torchLoss:G9}");
        trainCheck = ok ? "ok (loss)" : "MISMATCH (loss)";
        failed |= !ok;
    }
    if (failed)
    {
        Console.Error.WriteLine();
        Console.Error.WriteLine("MISMATCH: LossGen disagrees with libtorch beyond float32 tolerance (see above).");
        if (!options.KeepGoing)
        {
            Console.Error.WriteLine("Nothing was timed (--keep-going times anyway and marks the row).");
            return 1;
        }
        Console.Error.WriteLine("--keep-going: timing anyway; the rows that failed say MISMATCH in the table.");
    }
}
if (options.CheckOnly) return 0;

// (2) Timing.
Console.WriteLine();
Console.WriteLine($"timing: {options.Budget:0.#} s per row, {options.MinRounds}–{options.MaxRounds} interleaved rounds{(options.Quick ? " (--quick: a smoke test, not for docs)" : "")}");
var results = new List<RowResult>();
foreach (var w in workloads)
{
    var row = new RowResult(w.Spec.Id, w.Spec.Label, w.Spec.Kind, w.Spec.N, w.Spec.C, w.LossGenVariant);
    row.Goals.AddRange(w.Spec.Goals);
    row.Check = w.Checked?.Summary ?? "not run";
    var contenders = w.Contenders();
    clock.Restart();
    Timing.Interleaved(contenders, options.Budget, options.MinRounds, options.MaxRounds);
    row.CopyMs = contenders[0].MedianMs;
    row.TorchMs = contenders[1].MedianMs;
    row.ComposedMs = contenders[2].MedianMs;
    row.LossGenMs = contenders[3].MedianMs;
    row.Rounds = contenders[3].Samples.Count;
    row.LossGenAllocatedBytes = w.LossGenAllocatedPerCall();
    Console.WriteLine($"  {row.Label,-24} copy {Report.Ms(row.CopyMs),7}  libtorch {Report.Ms(row.TorchMs),7}  TensorPrimitives {Report.Ms(row.ComposedMs),7}  LossGen {Report.Ms(row.LossGenMs),7} ms  ({row.Rounds} rounds, {clock.Elapsed.TotalSeconds:0.0} s)");
    results.Add(row);
    w.Dispose();
}
if (trainStep is not null)
{
    var row = new RowResult(trainSpec.Id, $"training step {TrainingStep.Batch}×{TrainingStep.Features}→{TrainingStep.Classes}", RowKind.TrainingStep, TrainingStep.Batch, TrainingStep.Classes,
        bridge ? "CrossEntropy through LossGen.TorchSharp" : "n/a (no bridge)");
    var contenders = new List<Contender> { new("libtorch", () => trainStep.TorchStep()) };
    if (bridge) contenders.Add(new("LossGen", () => trainStep.BridgeStep()));
    clock.Restart();
    Timing.Interleaved(contenders, options.Budget, options.MinRounds, options.MaxRounds);
    row.TorchMs = contenders[0].MedianMs;
    if (bridge) row.LossGenMs = contenders[1].MedianMs;
    row.Rounds = contenders[0].Samples.Count;
    row.Check = bridge ? trainCheck : "n/a";
    row.Note = !bridge
        ? $"one SGD step of a Linear({TrainingStep.Features}, {TrainingStep.Classes}) on a batch of {TrainingStep.Batch} with F.cross_entropy; the LossGen column needs bridge/LossGen.TorchSharp, not in this build"
        : $"one SGD step of a Linear({TrainingStep.Features}, {TrainingStep.Classes}) on a batch of {TrainingStep.Batch}: zero_grad, forward, loss, backward, step; libtorch column with F.cross_entropy, LossGen column with the same step through the LossGen.TorchSharp bridge";
    Console.WriteLine($"  {row.Label,-24} libtorch {Report.Ms(row.TorchMs),7}  LossGen {Report.Ms(row.LossGenMs),7} ms  ({row.Rounds} rounds, {clock.Elapsed.TotalSeconds:0.0} s)");
    results.Add(row);
}
machine.LoadAfter = Machine.LoadAverage();

// (3) The table and the goals.
Report.PrintConsole(results, machine, command);

// (4) The chart and the docs.
string docs = options.DocsDir ?? Path.Combine(repo, "docs");
string subtitle = $"{machine.Started:yyyy-MM-dd} · {machine.Cpu}, {machine.Cores} cores · libtorch {torchVersion}, {options.TorchThreads} threads · medians";
bool chartDrawn = false;
if (options.Chart && options.Write)
{
    Directory.CreateDirectory(docs);
    string png = Path.Combine(docs, "performance.png");
    Chart.Save(results, png, subtitle);
    chartDrawn = true;
    Console.WriteLine($"chart: {png}");
}
string markdown = Report.Markdown(results, machine, command, torchVersion, options.TorchThreads, options.TorchGrad, options.Note, chartDrawn || File.Exists(Path.Combine(docs, "performance.png")));
if (options.Write)
{
    string md = Path.Combine(docs, "performance.md");
    Report.WriteDocs(md, markdown);
    Console.WriteLine($"docs: {md} (the part between the side-by-side markers)");
}
else
{
    Console.WriteLine();
    Console.WriteLine(markdown);
}
return 0;

/// <summary>Finds the repository root (the folder with LossGen.sln) from the working directory or the program's.</summary>
internal static class RepoRoot
{
    public static string Find()
    {
        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "LossGen.sln"))) return dir.FullName;
            }
        }
        return Environment.CurrentDirectory;
    }
}
