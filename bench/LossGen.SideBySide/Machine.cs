using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LossGen.Bench;

/// <summary>The facts that go next to the numbers: what ran them, where, when.</summary>
internal sealed class Machine(string repo)
{
    public string Cpu { get; } = CpuModel();
    public int Cores { get; } = Environment.ProcessorCount;
    public string Simd { get; } = SimdFacts();
    public string Dotnet { get; } = RuntimeInformation.FrameworkDescription;
    public string Os { get; } = RuntimeInformation.OSDescription;
    public string MemoryGiB { get; } = TotalMemory();
    public string LoadBefore { get; } = LoadAverage();
    public string LoadAfter { get; set; } = "";
    public DateTimeOffset Started { get; } = DateTimeOffset.UtcNow;
    public string Commit { get; } = Git(repo, "rev-parse --short HEAD") + (Git(repo, "status --porcelain --untracked-files=no -- . :!docs/performance.md :!docs/performance.png") is { Length: > 0 } ? " (with uncommitted changes)" : "");

    private static string CpuModel()
    {
        try
        {
            var lines = File.ReadLines("/proc/cpuinfo").TakeWhile(l => l.Length > 0).ToArray();
            string? Field(string name) => lines.FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal) && l[name.Length..].TrimStart().StartsWith(':')) is { } l
                ? l[(l.IndexOf(':') + 1)..].Trim() : null;
            if (Field("model name") is { } model)
            {
                return Field("cpu family") is { } family && Field("model") is { } number ? $"{model} (family {family}, model {number})" : model;
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return RuntimeInformation.ProcessArchitecture.ToString();
    }

    private static string SimdFacts()
    {
        string avx2 = Avx2.IsSupported ? "AVX2 yes" : "AVX2 no";
        string avx512 = Avx512F.IsSupported ? "AVX-512 yes" : "AVX-512 no";
        string fma = Fma.IsSupported ? "FMA yes" : "FMA no";
        return $"{avx2}, {avx512}, {fma}; Vector<float> {Vector<float>.Count} lanes, Vector512 accelerated: {(Vector512.IsHardwareAccelerated ? "yes" : "no")}";
    }

    private static string TotalMemory()
    {
        var info = GC.GetGCMemoryInfo();
        return $"{info.TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024):0} GiB";
    }

    public static string LoadAverage()
    {
        try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "n/a"; }
        catch (UnauthorizedAccessException) { return "n/a"; }
    }

    private static string Git(string repo, string arguments)
    {
        try
        {
            var psi = new ProcessStartInfo("git", arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = repo };
            using var p = Process.Start(psi)!;
            string output = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            return p.ExitCode == 0 ? output : "unknown";
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return "unknown";
        }
    }
}
