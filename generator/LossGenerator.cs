using System.Collections.Immutable;
using LossGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace LossGen.Generator;

/// <summary>Names of the pipeline steps, for incrementality tests.</summary>
public static class TrackingNames
{
    /// <summary>A declaration read into plain data.</summary>
    public const string Spec = "LossGen.Spec";
    /// <summary>A loss compiled to source and diagnostics.</summary>
    public const string Compile = "LossGen.Compile";
    /// <summary>The source text of a loss.</summary>
    public const string Source = "LossGen.Source";
    /// <summary>The diagnostics of a loss.</summary>
    public const string Diagnostics = "LossGen.Diagnostics";
}

/// <summary>
/// The LossGen source generator: every <c>[Loss]</c> (and canned loss attribute) on a static partial class becomes
/// Forward/Backward/ForwardBackward kernels. Models between steps are equatable records of strings and numbers.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class LossGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<LossSpec> specs = context.SyntaxProvider
            .ForAttributeWithMetadataName(Extraction.LossAttribute, Extraction.IsClass, Extraction.Dsl)
            .WithTrackingName(TrackingNames.Spec);
        Register(context, specs);
        foreach (string attribute in Canned.CannedLosses.AttributeNames)
        {
            IncrementalValuesProvider<LossSpec> canned = context.SyntaxProvider
                .ForAttributeWithMetadataName(attribute, Extraction.IsClass, Canned.CannedLosses.Extract)
                .WithTrackingName(TrackingNames.Spec);
            Register(context, canned);
        }
    }

    private static void Register(IncrementalGeneratorInitializationContext context, IncrementalValuesProvider<LossSpec> specs)
    {
        IncrementalValuesProvider<GeneratedLoss> generated = specs
            .Select(static (spec, _) => LossCompiler.Compile(spec))
            .WithTrackingName(TrackingNames.Compile);

        IncrementalValuesProvider<(string HintName, string Source)> sources = generated
            .Select(static (loss, _) => (loss.HintName, loss.Source))
            .WithTrackingName(TrackingNames.Source);
        context.RegisterSourceOutput(sources, static (output, source) =>
        {
            if (source.Source.Length > 0)
            {
                output.AddSource(source.HintName, SourceText.From(source.Source, System.Text.Encoding.UTF8));
            }
        });

        IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> diagnostics = generated
            .Select(static (loss, _) => loss.Diagnostics)
            .WithTrackingName(TrackingNames.Diagnostics);

        // Locations are tied back to their syntax trees so that .editorconfig severities and #pragma apply to them.
        context.RegisterSourceOutput(diagnostics.Combine(context.CompilationProvider), static (output, pair) =>
        {
            foreach (DiagnosticInfo diagnostic in pair.Left)
            {
                output.ReportDiagnostic(diagnostic.ToDiagnostic(pair.Right));
            }
        });
    }
}
