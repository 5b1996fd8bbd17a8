using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace LossGen.Analyzers.Tests;

/// <summary>
/// Runs an analyzer (and its code fix) over test sources with Microsoft.CodeAnalysis.Testing, against the .NET 10
/// reference assemblies of Basic.Reference.Assemblies (nothing is downloaded), TorchSharp's managed assembly (compile
/// only), System.Numerics.Tensors and the LossGen runtime. Expected diagnostics are marked in the source as
/// <c>{|LG0100:expression|}</c>; compiler errors in a test source fail the test.
/// </summary>
internal static class Verify
{
    public static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
        Basic.Reference.Assemblies.Net100.References.All.Cast<MetadataReference>()
            .Append(MetadataReference.CreateFromFile(Path.Combine(AppContext.BaseDirectory, "refs", "TorchSharp.dll")))
            .Append(MetadataReference.CreateFromFile(typeof(System.Numerics.Tensors.TensorPrimitives).Assembly.Location))
            .Append(MetadataReference.CreateFromFile(typeof(LossGen.LossInputAttribute).Assembly.Location))
            .ToImmutableArray());

    /// <summary>Checks that exactly the marked diagnostics are reported (and no code fix is required).</summary>
    public static Task Diagnostics<TAnalyzer>(string source, params DiagnosticResult[] expected)
        where TAnalyzer : DiagnosticAnalyzer, new()
    {
        var test = new AnalyzerTest<TAnalyzer> { TestCode = source };
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync(CancellationToken.None);
    }

    /// <summary>As <see cref="Diagnostics{TAnalyzer}(string, DiagnosticResult[])"/>, for a program (top-level statements).</summary>
    public static Task ProgramDiagnostics<TAnalyzer>(string source, params DiagnosticResult[] expected)
        where TAnalyzer : DiagnosticAnalyzer, new()
    {
        var test = new AnalyzerTest<TAnalyzer> { TestCode = source };
        test.TestState.OutputKind = OutputKind.ConsoleApplication;
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync(CancellationToken.None);
    }

    /// <summary>Checks the marked diagnostics, and that applying every fix gives <paramref name="fixedSource"/>.</summary>
    public static Task Fix<TAnalyzer>(string source, string fixedSource, params DiagnosticResult[] expected)
        where TAnalyzer : DiagnosticAnalyzer, new()
    {
        var test = new FixTest<TAnalyzer> { TestCode = source, FixedCode = fixedSource };
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync(CancellationToken.None);
    }

    public static DiagnosticResult Diagnostic(string id) => new(id, DiagnosticSeverity.Warning);


    private sealed class AnalyzerTest<TAnalyzer> : CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
        where TAnalyzer : DiagnosticAnalyzer, new()
    {
        public AnalyzerTest()
        {
            ReferenceAssemblies = new ReferenceAssemblies("net10.0");
            Configure(TestState);
        }

        protected override ParseOptions CreateParseOptions() => new CSharpParseOptions(LanguageVersion.Preview, DocumentationMode.Diagnose);

        protected override CompilationOptions CreateCompilationOptions() =>
            ((CSharpCompilationOptions)base.CreateCompilationOptions()).WithAllowUnsafe(true).WithNullableContextOptions(NullableContextOptions.Disable);
    }

    private sealed class FixTest<TAnalyzer> : CSharpCodeFixTest<TAnalyzer, LossGen.CodeFixes.ExpressionCodeFixProvider, DefaultVerifier>
        where TAnalyzer : DiagnosticAnalyzer, new()
    {
        public FixTest()
        {
            ReferenceAssemblies = new ReferenceAssemblies("net10.0");
            Configure(TestState);
            Configure(FixedState);
        }

        protected override ParseOptions CreateParseOptions() => new CSharpParseOptions(LanguageVersion.Preview, DocumentationMode.Diagnose);

        protected override CompilationOptions CreateCompilationOptions() =>
            ((CSharpCompilationOptions)base.CreateCompilationOptions()).WithAllowUnsafe(true).WithNullableContextOptions(NullableContextOptions.Disable);
    }

    private static void Configure(ProjectState state) => state.AdditionalReferences.AddRange(References.Value);

    /// <summary>A method body in a class with the usual TorchSharp usings.</summary>
    public static string Torch(string body, string members = "") => $$"""
        using System;
        using System.Linq;
        using TorchSharp;
        using TorchSharp.Modules;
        using static TorchSharp.torch;
        using F = TorchSharp.torch.nn.functional;

        public class Trainer
        {
        {{members}}
            public Tensor Step(Tensor logits, Tensor target, Tensor y, bool flag)
            {
        {{body}}
            }
        }
        """;
}
