using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using LossGen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace LossGen.Property.Tests.Harness;

/// <summary>
/// The plain-array arguments of one call. Tensor spans are ref structs that reflection cannot pass, so the compiled
/// assembly carries a harness that builds the spans from these arrays and calls the generated method.
/// </summary>
public sealed class CallArgs
{
    public double[] X = Array.Empty<double>();
    public nint[] XShape = Array.Empty<nint>();
    public double[] Y = Array.Empty<double>();
    public double[] W = Array.Empty<double>();
    public nint[] WShape = Array.Empty<nint>();
    public int[] T = Array.Empty<int>();
    public long[] TLong = Array.Empty<long>();
    public nint[] TShape = Array.Empty<nint>();
    public double[] Loss = Array.Empty<double>();
    public nint[] LossShape = Array.Empty<nint>();
    public double[] DLoss = Array.Empty<double>();
    public double DLossScalar = 1;
    public double[] Dx = Array.Empty<double>();
    public double[] Dy = Array.Empty<double>();
    public double[] Hyper = Array.Empty<double>();
    public bool UseDefaults;
}

/// <summary>A generated method made callable: <c>Forward|double|int|dx</c> and the like.</summary>
public sealed record MethodKey(string Name, string Element, string? Index, bool Dy)
{
    public override string ToString() => $"{Name}<{Element}{(Index is null ? string.Empty : ", " + Index)}>{(Dy ? " with dy" : string.Empty)}";
}

/// <summary>One declared loss after compilation: its diagnostics, and its methods as delegates.</summary>
public sealed class LossBinding
{
    public LossBinding(string className) => ClassName = className;

    public string ClassName { get; }

    public List<Diagnostic> Diagnostics { get; } = new();

    /// <summary>Why the loss could not be run: the generator threw, or its output does not compile.</summary>
    public string? Failure { get; set; }

    public Dictionary<MethodKey, Func<CallArgs, double>> Methods { get; } = new();

    public Dictionary<MethodKey, string[]> Parameters { get; } = new();

    public string GeneratedSource { get; set; } = string.Empty;

    public IEnumerable<Diagnostic> Errors => Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error);
}

/// <summary>An in-memory assembly of many losses, loaded into a collectible context.</summary>
public sealed class CompiledBatch : IDisposable
{
    private readonly AssemblyLoadContext? _context;

    public CompiledBatch(Dictionary<string, LossBinding> losses, AssemblyLoadContext? context)
    {
        Losses = losses;
        _context = context;
    }

    public Dictionary<string, LossBinding> Losses { get; }

    public void Dispose() => _context?.Unload();
}

/// <summary>
/// Runs the generator in-process over many <c>[Loss]</c> declarations at once, compiles the result with Roslyn, adds a
/// harness per loss (plain arrays in, spans built inside), emits it to memory and loads it.
/// </summary>
public static class InMemoryCompiler
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
        Basic.Reference.Assemblies.Net100.References.All.Cast<MetadataReference>()
            .Append(MetadataReference.CreateFromFile(typeof(LossAttribute).Assembly.Location))
            .Append(MetadataReference.CreateFromFile(typeof(System.Numerics.Tensors.TensorPrimitives).Assembly.Location))
            .Append(MetadataReference.CreateFromFile(typeof(CallArgs).Assembly.Location))
            .ToImmutableArray());

    [ThreadStatic]
    private static string? _lastTimings;

    /// <summary>Where the time of this thread's last <see cref="Compile"/> went.</summary>
    public static string LastTimings
    {
        get => _lastTimings ?? string.Empty;
        private set => _lastTimings = value;
    }

    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Preview);

    public static CSharpCompilation Compilation(IEnumerable<SyntaxTree> trees, string name = "PropertyBatch") =>
        CSharpCompilation.Create(name + Guid.NewGuid().ToString("N"), trees, References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, optimizationLevel: OptimizationLevel.Debug,
                nullableContextOptions: NullableContextOptions.Enable, concurrentBuild: true));

    /// <summary>Runs the generator; throws if it threw (that is a failure of its own, CS8785 for the user).</summary>
    public static (Compilation Output, ImmutableArray<Diagnostic> Diagnostics, GeneratorDriverRunResult Run) Generate(CSharpCompilation compilation)
    {
        GeneratorDriver driver = CSharpGeneratorDriver.Create(new[] { new LossGenerator().AsSourceGenerator() }, parseOptions: ParseOptions);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
        return (output, diagnostics, driver.GetRunResult());
    }

    /// <param name="declarations">Class name (in namespace P) and its declaration (attributes and the class).</param>
    /// <param name="hyperNames">Per class, its hyper-parameter names in declaration order.</param>
    public static CompiledBatch Compile(IReadOnlyList<(string ClassName, string Declaration, string[] HyperNames)> declarations)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var losses = declarations.ToDictionary(d => d.ClassName, d => new LossBinding(d.ClassName));
        var trees = declarations.Select(d => CSharpSyntaxTree.ParseText("using LossGen;\nnamespace P;\n\n" + d.Declaration + "\n", ParseOptions, path: d.ClassName + ".cs", encoding: Encoding.UTF8));
        (Compilation output, ImmutableArray<Diagnostic> diagnostics, GeneratorDriverRunResult run) = Generate(Compilation(trees));
        Exception? thrown = run.Results.Select(r => r.Exception).FirstOrDefault(e => e is not null);
        if (thrown is not null)
        {
            foreach (LossBinding loss in losses.Values)
            {
                loss.Failure = "The generator threw: " + thrown;
            }

            return new CompiledBatch(losses, null);
        }

        LastTimings = $"generator {watch.ElapsedMilliseconds} ms";
        foreach (Diagnostic diagnostic in diagnostics)
        {
            string file = Path.GetFileNameWithoutExtension(diagnostic.Location.SourceTree?.FilePath ?? diagnostic.Location.GetLineSpan().Path ?? string.Empty);
            if (losses.TryGetValue(file, out LossBinding? loss))
            {
                loss.Diagnostics.Add(diagnostic);
            }
            else
            {
                foreach (LossBinding each in losses.Values)
                {
                    each.Diagnostics.Add(diagnostic);
                }
            }
        }

        var generatedTrees = new Dictionary<string, SyntaxTree>();
        foreach (SyntaxTree tree in run.GeneratedTrees)
        {
            string hint = Path.GetFileName(tree.FilePath);
            string className = hint.Split('.')[1];
            generatedTrees[className] = tree;
            if (losses.TryGetValue(className, out LossBinding? loss))
            {
                loss.GeneratedSource = tree.ToString();
            }
        }

        var harnessTrees = new Dictionary<string, SyntaxTree>();
        var methods = new Dictionary<string, (LossBinding Loss, MethodKey Key)>();
        int counter = 0;
        foreach ((string className, _, string[] hyperNames) in declarations)
        {
            LossBinding loss = losses[className];
            if (loss.Errors.Any())
            {
                continue;
            }

            INamedTypeSymbol? type = output.GetTypeByMetadataName("P." + className);
            if (type is null)
            {
                loss.Failure = "The class is missing from the compilation.";
                continue;
            }

            var source = new StringBuilder();
            source.AppendLine("using System.Numerics.Tensors;");
            source.AppendLine("namespace LossGenHarness;");
            source.AppendLine("public static partial class H");
            source.AppendLine("{");
            foreach (IMethodSymbol method in type.GetMembers().OfType<IMethodSymbol>().Where(m => m.DeclaredAccessibility == Accessibility.Public && m.IsStatic && m.Name is "Forward" or "Backward" or "ForwardBackward"))
            {
                string name = "M" + counter++;
                string element = ((INamedTypeSymbol)method.Parameters[0].Type).TypeArguments[0].ToDisplayString();
                if (element is not ("float" or "double"))
                {
                    // The Half overloads call the float ones (docs/dsl.md, "Half precision"); the oracle checks those.
                    continue;
                }

                IParameterSymbol? t = method.Parameters.FirstOrDefault(p => p.Name == "t");
                string? index = t is null ? null : ((INamedTypeSymbol)t.Type).TypeArguments[0].ToDisplayString();
                var key = new MethodKey(method.Name, element, index, method.Parameters.Any(p => p.Name == "dy"));
                loss.Parameters[key] = method.Parameters.Select(p => p.Name).ToArray();
                methods[name] = (loss, key);
                source.AppendLine(HarnessMethod(name, className, method, element, hyperNames));
            }

            source.AppendLine("}");
            harnessTrees[className] = CSharpSyntaxTree.ParseText(source.ToString(), ParseOptions, path: "Harness." + className + ".cs", encoding: Encoding.UTF8);
        }

        Compilation final = output.AddSyntaxTrees(harnessTrees.Values).AddSyntaxTrees(CSharpSyntaxTree.ParseText(Helpers, ParseOptions, path: "Harness.cs"));

        // Syntax errors in a generated file are cheap to find: take those losses out before the first emit.
        foreach ((string className, SyntaxTree generated) in generatedTrees)
        {
            var errors = generated.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            if (errors.Count > 0 && losses.TryGetValue(className, out LossBinding? loss))
            {
                loss.Failure = "The generated code does not compile:" + string.Concat(errors.Take(5).Select(e => "\n  " + e));
                final = final.RemoveSyntaxTrees(final.SyntaxTrees.Where(tree => tree.FilePath == generated.FilePath || tree.FilePath == "Harness." + className + ".cs"));
            }
        }

        for (int attempt = 0; attempt < 3; attempt++)
        {
            using var stream = new MemoryStream();
            long before = watch.ElapsedMilliseconds;
            var emitted = final.Emit(stream);
            LastTimings += $", emit {watch.ElapsedMilliseconds - before} ms ({final.SyntaxTrees.Sum(t => t.Length) / 1024} KB of C#)";
            if (emitted.Success)
            {
                stream.Position = 0;
                var context = new AssemblyLoadContext("LossGen.Property." + Guid.NewGuid().ToString("N"), isCollectible: true);
                Assembly assembly = context.LoadFromStream(stream);
                Type harness = assembly.GetType("LossGenHarness.H")!;
                foreach ((string name, (LossBinding loss, MethodKey key)) in methods)
                {
                    if (loss.Failure is null)
                    {
                        loss.Methods[key] = harness.GetMethod(name)!.CreateDelegate<Func<CallArgs, double>>();
                    }
                }

                return new CompiledBatch(losses, context);
            }

            // Attribute each error to its loss, take those losses out, and try again without them.
            var broken = new HashSet<string>();
            foreach (Diagnostic error in emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error))
            {
                string file = Path.GetFileName(error.Location.SourceTree?.FilePath ?? string.Empty);
                string? owner = losses.Keys.FirstOrDefault(k => file == "Harness." + k + ".cs" || file.Contains("P." + k + ".LossGen"));
                if (owner is null)
                {
                    foreach (LossBinding loss in losses.Values)
                    {
                        loss.Failure ??= "The batch does not compile: " + error;
                    }

                    return new CompiledBatch(losses, null);
                }

                if (broken.Count < 1000 && (losses[owner].Failure?.Split('\n').Length ?? 0) < 6)
                {
                    losses[owner].Failure = (losses[owner].Failure ?? "The generated code does not compile:") + "\n  " + error;
                }

                broken.Add(owner);
            }

            foreach (string owner in broken)
            {
                if (harnessTrees.TryGetValue(owner, out SyntaxTree? h))
                {
                    final = final.RemoveSyntaxTrees(h);
                }

                if (generatedTrees.TryGetValue(owner, out SyntaxTree? g))
                {
                    final = final.RemoveSyntaxTrees(final.SyntaxTrees.Where(tree => tree.FilePath == g.FilePath));
                }
            }
        }

        foreach (LossBinding loss in losses.Values)
        {
            loss.Failure ??= "The batch does not compile after taking the broken losses out.";
        }

        return new CompiledBatch(losses, null);
    }

    private static string HarnessMethod(string name, string className, IMethodSymbol method, string element, string[] hyperNames)
    {
        bool isFloat = element == "float";
        string Array(string field) => isFloat ? field.ToLowerInvariant() + "_" : "c." + field;
        var prologue = new StringBuilder();
        var epilogue = new StringBuilder();
        var used = new HashSet<string>();
        string Buffer(string field, bool output)
        {
            if (isFloat && used.Add(field))
            {
                prologue.Append($"        float[] {field.ToLowerInvariant()}_ = F(c.{field});\n");
                if (output)
                {
                    epilogue.Append($"        B({field.ToLowerInvariant()}_, c.{field});\n");
                }
            }

            return Array(field);
        }

        var arguments = new List<string>();
        var hyperArguments = new List<string>();
        foreach (IParameterSymbol p in method.Parameters)
        {
            bool readOnlyTensor = p.Type.Name == "ReadOnlyTensorSpan";
            string argument = p.Name switch
            {
                "x" => $"new ReadOnlyTensorSpan<{element}>({Buffer("X", false)}, c.XShape)",
                "y" => $"new ReadOnlyTensorSpan<{element}>({Buffer("Y", false)}, c.XShape)",
                "w" => $"new ReadOnlyTensorSpan<{element}>({Buffer("W", false)}, c.WShape)",
                "t" => ((INamedTypeSymbol)p.Type).TypeArguments[0].SpecialType == SpecialType.System_Int64 ? "new ReadOnlyTensorSpan<long>(c.TLong, c.TShape)" : "new ReadOnlyTensorSpan<int>(c.T, c.TShape)",
                "loss" => $"new TensorSpan<{element}>({Buffer("Loss", true)}, c.LossShape)",
                "dloss" when readOnlyTensor => $"new ReadOnlyTensorSpan<{element}>({Buffer("DLoss", false)}, c.LossShape)",
                "dloss" => $"({element})c.DLossScalar",
                "dx" => $"new TensorSpan<{element}>({Buffer("Dx", true)}, c.XShape)",
                "dy" => $"new TensorSpan<{element}>({Buffer("Dy", true)}, c.XShape)",
                _ => string.Empty,
            };
            if (argument.Length > 0)
            {
                arguments.Add(argument);
                continue;
            }

            int h = System.Array.IndexOf(hyperNames, p.Name.TrimStart('@'));
            if (h < 0)
            {
                throw new InvalidOperationException($"Unexpected parameter '{p.Name}' of {className}.{method.Name}.");
            }

            hyperArguments.Add($"{p.Name}: ({element})c.Hyper[{h}]");
        }

        string call = $"global::P.{className}.{method.Name}";
        string withHyper = $"{call}({string.Join(", ", arguments.Concat(hyperArguments))})";
        string withDefaults = $"{call}({string.Join(", ", arguments)})";
        string invoke = hyperArguments.Count == 0 ? withHyper : $"(c.UseDefaults ? {withDefaults} : {withHyper})";
        bool returns = !method.ReturnsVoid;
        return $"    public static double {name}(global::LossGen.Property.Tests.Harness.CallArgs c)\n    {{\n{prologue}" +
            (returns ? $"        double r = (double){invoke};\n" : hyperArguments.Count == 0 ? $"        {invoke};\n" : $"        if (c.UseDefaults) {withDefaults}; else {withHyper};\n") +
            $"{epilogue}        return {(returns ? "r" : "0")};\n    }}";
    }

    private const string Helpers = """
        namespace LossGenHarness;
        public static partial class H
        {
            private static float[] F(double[] a) { var f = new float[a.Length]; for (int i = 0; i < a.Length; i++) f[i] = (float)a[i]; return f; }
            private static void B(float[] f, double[] a) { for (int i = 0; i < a.Length; i++) a[i] = f[i]; }
        }
        """;
}
