using System.Collections.Immutable;
using LossGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace LossGen.Generator;

/// <summary>Names of the pipeline steps, for incrementality tests.</summary>
public static class TrackingNames
{
    /// <summary>A declaration read into its compile key and the locations of its diagnostics.</summary>
    public const string Spec = "LossGen.Spec";
    /// <summary>The compile key alone: plain data with no source position.</summary>
    public const string Key = "LossGen.Key";
    /// <summary>A loss compiled to source and diagnostics.</summary>
    public const string Compile = "LossGen.Compile";
    /// <summary>The source text of a loss.</summary>
    public const string Source = "LossGen.Source";
    /// <summary>The diagnostics of a loss, anchored to parts of its declaration.</summary>
    public const string Diagnostics = "LossGen.Diagnostics";
    /// <summary>The locations of every declaration's diagnostics (re-run on every edit of a declaring file; it only matches anchors).</summary>
    public const string Places = "LossGen.Places";
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
        IncrementalValuesProvider<LossDeclaration> declarations = context.SyntaxProvider
            .ForAttributeWithMetadataName(Extraction.LossAttribute, Extraction.IsClass, Extraction.Dsl)
            .WithTrackingName(TrackingNames.Spec);
        Register(context, declarations);
        foreach (string attribute in Canned.CannedLosses.AttributeNames)
        {
            IncrementalValuesProvider<LossDeclaration> canned = context.SyntaxProvider
                .ForAttributeWithMetadataName(attribute, Extraction.IsClass, Canned.CannedLosses.Extract)
                .WithTrackingName(TrackingNames.Spec);
            Register(context, canned);
        }
    }

    /// <summary>
    /// Two branches. Code: the position-free key is compiled and its source added; an edit that moves a declaration
    /// without changing it leaves the key equal, so neither compile nor emit re-runs. Diagnostics: the anchored
    /// diagnostics of every loss meet the locations of every declaration, and are reported there.
    /// </summary>
    private static void Register(IncrementalGeneratorInitializationContext context, IncrementalValuesProvider<LossDeclaration> declarations)
    {
        IncrementalValuesProvider<GeneratedLoss> generated = declarations
            .Select(static (declaration, _) => declaration.Spec)
            .WithTrackingName(TrackingNames.Key)
            .Select(static (spec, cancellation) => LossCompiler.Compile(spec, cancellation))
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

        IncrementalValueProvider<ImmutableArray<(string HintName, EquatableArray<DiagnosticInfo> Diagnostics)>> diagnostics = generated
            .Select(static (loss, _) => (loss.HintName, loss.Diagnostics))
            .WithTrackingName(TrackingNames.Diagnostics)
            .Collect();
        IncrementalValueProvider<ImmutableArray<LossPlaces>> places = declarations
            .Select(static (declaration, _) => declaration.Places)
            .WithTrackingName(TrackingNames.Places)
            .Collect();

        context.RegisterSourceOutput(diagnostics.Combine(places), static (output, pair) =>
        {
            foreach ((string hintName, EquatableArray<DiagnosticInfo> list) in pair.Left)
            {
                if (list.Count == 0)
                {
                    continue;
                }

                LossPlaces? where = null;
                foreach (LossPlaces candidate in pair.Right)
                {
                    if (candidate.HintName == hintName)
                    {
                        where = candidate;
                        break;
                    }
                }

                foreach (DiagnosticInfo diagnostic in list)
                {
                    output.CancellationToken.ThrowIfCancellationRequested();
                    output.ReportDiagnostic(diagnostic.ToDiagnostic(where));
                }
            }
        });
    }
}
