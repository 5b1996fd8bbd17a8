using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Xml.Linq;
using Xunit;
using Xunit.Abstractions;

namespace LossGen.Package.Tests;

/// <summary>
/// Packs runtime/LossGen.csproj, then builds and runs a fresh console project that references only that .nupkg through a
/// local folder feed: the package, not the project references, must carry the runtime, the generator and the analyzers.
/// </summary>
public sealed class PackageTests
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(6);

#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif
    private readonly ITestOutputHelper log;

    public PackageTests(ITestOutputHelper log) => this.log = log;

    private const string ConsumerProgram = """
        using System;
        using System.Globalization;
        using System.Numerics.Tensors;
        using LossGen;

        double[] logits = [2.0, 0.5, -1.0, 0.1, 1.5, 0.3];
        int[] targets = [0, 2];
        var x = new ReadOnlyTensorSpan<double>(logits, [2, 3]);
        var t = new ReadOnlyTensorSpan<int>(targets, [2]);

        double[] dx = new double[6];
        double ce = CrossEntropy.ForwardBackward(x, t, new TensorSpan<double>(dx, [2, 3]));
        Console.WriteLine("dsl " + Format(ce));
        Console.WriteLine("dsl-grad " + string.Join(" ", Array.ConvertAll(dx, Format)));

        float[] logitsF = Array.ConvertAll(logits, v => (float)v);
        Console.WriteLine("dsl-float " + Format(CrossEntropy.Forward(new ReadOnlyTensorSpan<float>(logitsF, [2, 3]), t)));

        Console.WriteLine("canned " + Format(SmoothedCrossEntropy.Forward(x, t)));
        Console.WriteLine("unstable " + Format(Unstable.Forward(x, t)));

        static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

        [Loss("logsumexp(x) - x[t]")]
        public static partial class CrossEntropy;

        [CrossEntropyLoss(LabelSmoothing = 0.1)]
        public static partial class SmoothedCrossEntropy;

        [Loss("-log(softmax(x))[t]")]
        public static partial class Unstable;
        """;

    [Fact]
    public void Packed_package_builds_and_runs_in_a_fresh_project()
    {
        string version = "0.0.0-test-" + Guid.NewGuid().ToString("N");
        string work = Path.Combine(Path.GetTempPath(), "lossgen-package-" + Guid.NewGuid().ToString("N"));
        string feed = Path.Combine(work, "feed");
        string consumer = Path.Combine(work, "consumer");
        Directory.CreateDirectory(feed);
        Directory.CreateDirectory(consumer);
        try
        {
            // 1. Pack the runtime and the generator that this test run built and tested (--no-build: nothing in the
            //    repository's bin/obj changes; the nuspec goes to the temporary folder). Run from elsewhere, without
            //    those builds, pack builds them itself with its own bin/obj (artifacts path).
            string[] common = ["-o", feed, "-p:PackageVersion=" + version, "-p:NuspecOutputPath=" + Path.Combine(work, "nuspec") + Path.DirectorySeparatorChar, "--disable-build-servers", "-v:minimal"];
            string project = Path.Combine(Repository.Root, "runtime", "LossGen.csproj");
            bool built = File.Exists(Path.Combine(Repository.Root, "runtime", "bin", Configuration, "net10.0", "LossGen.dll"))
                && File.Exists(Path.Combine(Repository.Root, "generator", "bin", Configuration, "netstandard2.0", "LossGen.Generator.dll"));
            DotNet.Result pack = built
                ? DotNet.Run(Repository.Root, StepTimeout, ["pack", project, "-c", Configuration, "--no-build", .. common])
                : DotNet.Run(Repository.Root, StepTimeout, ["pack", project, "-c", "Release", "--artifacts-path", Path.Combine(work, "artifacts"), .. common]);
            log.WriteLine($"pack ({(built ? "--no-build, " + Configuration : "with its own build")}): {pack.Elapsed.TotalSeconds:F1} s");
            Assert.True(pack.ExitCode == 0, "dotnet pack failed:\n" + pack.Output);

            string nupkg = Path.Combine(feed, $"LossGen.{version}.nupkg");
            Assert.True(File.Exists(nupkg), $"{nupkg} not found; the feed has: {string.Join(", ", Directory.GetFiles(feed).Select(Path.GetFileName))}");
            Assert.Single(Directory.GetFiles(feed, "*.nupkg"));
            CheckPackageContents(nupkg);

            // 2. A fresh console project that knows nothing of the repository.
            File.WriteAllText(Path.Combine(work, "Directory.Build.props"), "<Project />");
            File.WriteAllText(Path.Combine(work, "Directory.Build.targets"), "<Project />");
            File.WriteAllText(Path.Combine(work, "Directory.Packages.props"), "<Project />");
            File.WriteAllText(Path.Combine(consumer, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <clear />
                    <add key="local" value="{feed}" />
                    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
                  </packageSources>
                  <packageSourceMapping>
                    <packageSource key="local"><package pattern="LossGen" /></packageSource>
                    <packageSource key="nuget.org"><package pattern="*" /></packageSource>
                  </packageSourceMapping>
                </configuration>
                """);
            File.WriteAllText(Path.Combine(consumer, "Consumer.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <EmitCompilerGeneratedFiles>true</EmitCompilerGeneratedFiles>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="LossGen" Version="{version}" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(consumer, "Program.cs"), ConsumerProgram);

            // 3. Build: the generator from the package compiles both losses and the analyzers warn.
            DotNet.Result build = DotNet.Run(consumer, StepTimeout, "build", "-c", "Release", "--disable-build-servers", "-v:minimal", "-nologo");
            log.WriteLine($"consumer restore + build: {build.Elapsed.TotalSeconds:F1} s");
            log.WriteLine(build.Output);
            Assert.True(build.ExitCode == 0, "The consumer project did not build:\n" + build.Output);
            Assert.Contains("warning LG0010", build.Output);
            Assert.Contains("log_softmax", build.Output);
            Assert.DoesNotContain("CS8032", build.Output); // an analyzer assembly of the package could not be loaded
            Assert.DoesNotContain("CS8784", build.Output); // the generator failed to initialise
            Assert.DoesNotContain("CS8785", build.Output); // the generator threw
            Assert.DoesNotContain("AD0001", build.Output); // an analyzer threw

            string assets = File.ReadAllText(Path.Combine(consumer, "obj", "project.assets.json"));
            Assert.Contains($"\"LossGen/{version}\"", assets);
            Assert.DoesNotContain("LossGen.Generator.csproj", assets);
            string output = Path.Combine(consumer, "bin", "Release", "net10.0");
            Assert.True(File.Exists(Path.Combine(output, "LossGen.dll")), "LossGen.dll is not in the consumer's output");
            Assert.True(File.Exists(Path.Combine(output, "System.Numerics.Tensors.dll")), "System.Numerics.Tensors did not flow to the consumer");
            Assert.False(File.Exists(Path.Combine(output, "LossGen.Generator.dll")), "the generator must stay a compile-time analyzer");

            string generated = Directory.GetFiles(Path.Combine(consumer, "obj"), "*.g.cs", SearchOption.AllDirectories)
                .Where(f => f.Contains("LossGen.Generator", StringComparison.Ordinal))
                .Select(File.ReadAllText).FirstOrDefault(s => s.Contains("class CrossEntropy", StringComparison.Ordinal))
                ?? throw new Xunit.Sdk.XunitException("no generated source for CrossEntropy under obj/");
            Assert.Contains("dL/dx", generated);

            // 4. Run it and check its numbers against values computed here.
            DotNet.Result run = DotNet.Run(consumer, StepTimeout, "run", "-c", "Release", "--no-build", "--no-restore");
            log.WriteLine($"consumer run: {run.Elapsed.TotalSeconds:F1} s");
            log.WriteLine(run.Output);
            Assert.True(run.ExitCode == 0, "The consumer program failed:\n" + run.Output);
            Dictionary<string, double[]> printed = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(line => line.Split(' '))
                .ToDictionary(parts => parts[0], parts => parts.Skip(1).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray());

            double[,] logits = { { 2.0, 0.5, -1.0 }, { 0.1, 1.5, 0.3 } };
            int[] targets = [0, 2];
            (double ce, double[] grad) = Reference.CrossEntropy(logits, targets, labelSmoothing: 0);
            (double smoothed, _) = Reference.CrossEntropy(logits, targets, labelSmoothing: 0.1);

            AssertClose(ce, printed["dsl"][0], 1e-12);
            Assert.Equal(6, printed["dsl-grad"].Length);
            for (int i = 0; i < 6; i++)
            {
                AssertClose(grad[i], printed["dsl-grad"][i], 1e-12);
            }

            AssertClose(ce, printed["dsl-float"][0], 1e-6);
            AssertClose(smoothed, printed["canned"][0], 1e-12);
            AssertClose(ce, printed["unstable"][0], 1e-12); // the warned-about form still computes the same value here
        }
        finally
        {
            TryDelete(work);
            TryDelete(Path.Combine(GlobalPackagesFolder(), "lossgen", version));
        }
    }

    private void CheckPackageContents(string nupkg)
    {
        using ZipArchive zip = ZipFile.OpenRead(nupkg);
        var entries = zip.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
        log.WriteLine("package: " + string.Join(", ", entries.Order()));
        Assert.Contains("lib/net10.0/LossGen.dll", entries);
        Assert.Contains("lib/net10.0/LossGen.xml", entries);
        Assert.Contains("analyzers/dotnet/cs/LossGen.Generator.dll", entries);
        Assert.Contains("README.md", entries);
        Assert.Contains("LICENSE", entries);
        Assert.DoesNotContain(entries, e => e.StartsWith("lib/", StringComparison.Ordinal) && e.Contains("Generator", StringComparison.Ordinal));

        bool codeFixesProject = File.Exists(Path.Combine(Repository.Root, "codefixes", "LossGen.CodeFixes.csproj"));
        Assert.Equal(codeFixesProject, entries.Contains("analyzers/dotnet/cs/LossGen.CodeFixes.dll"));

        using Stream nuspecStream = zip.Entries.Single(e => e.FullName == "LossGen.nuspec").Open();
        XDocument nuspec = XDocument.Load(nuspecStream);
        XNamespace ns = nuspec.Root!.Name.Namespace;
        XElement metadata = nuspec.Root.Element(ns + "metadata")!;
        Assert.Equal("LossGen", metadata.Element(ns + "id")!.Value);
        Assert.Equal("MIT", metadata.Element(ns + "license")!.Value);
        Assert.Equal("README.md", metadata.Element(ns + "readme")!.Value);
        var dependencies = metadata.Descendants(ns + "dependency").Select(d => (string)d.Attribute("id")!).ToList();
        Assert.Equal(["System.Numerics.Tensors"], dependencies);
    }

    private static void AssertClose(double expected, double actual, double relative)
    {
        double tolerance = relative * Math.Max(1.0, Math.Abs(expected));
        Assert.True(Math.Abs(expected - actual) <= tolerance, $"expected {expected:R}, got {actual:R} (tolerance {tolerance:G3})");
    }

    private static string GlobalPackagesFolder() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } folder
            ? folder
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>Cross entropy written out by hand, independently of LossGen.</summary>
internal static class Reference
{
    /// <summary>PyTorch's <c>F.cross_entropy(x, t, label_smoothing=ls)</c> with mean reduction, and its gradient for ls = 0.</summary>
    public static (double Loss, double[] Gradient) CrossEntropy(double[,] logits, int[] targets, double labelSmoothing)
    {
        int n = logits.GetLength(0), c = logits.GetLength(1);
        double total = 0;
        var gradient = new double[n * c];
        for (int i = 0; i < n; i++)
        {
            double max = double.NegativeInfinity;
            for (int j = 0; j < c; j++)
            {
                max = Math.Max(max, logits[i, j]);
            }

            double sum = 0;
            for (int j = 0; j < c; j++)
            {
                sum += Math.Exp(logits[i, j] - max);
            }

            double lse = max + Math.Log(sum);
            double uniform = 0;
            for (int j = 0; j < c; j++)
            {
                uniform += lse - logits[i, j];
                gradient[i * c + j] = (Math.Exp(logits[i, j] - lse) - (j == targets[i] ? 1 : 0)) / n;
            }

            total += (1 - labelSmoothing) * (lse - logits[i, targets[i]]) + labelSmoothing * uniform / c;
        }

        return (total / n, gradient);
    }
}
