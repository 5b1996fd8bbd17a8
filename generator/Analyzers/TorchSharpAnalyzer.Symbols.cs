using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using LossGen.Generator.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace LossGen.Generator.Analyzers;

/// <summary>The TorchSharp losses, modules and tensor operations the analyzer recognises, by metadata name.</summary>
public sealed partial class TorchSharpAnalyzer
{
    /// <summary>The TorchSharp types the analyzer knows, found by metadata name.</summary>
    private sealed class TorchSymbols
    {
        private TorchSymbols(Compilation compilation, INamedTypeSymbol torch)
        {
            Torch = torch;
            Nn = compilation.GetTypeByMetadataName("TorchSharp.torch+nn");
            Functional = compilation.GetTypeByMetadataName("TorchSharp.torch+nn+functional");
            Special = compilation.GetTypeByMetadataName("TorchSharp.torch+special");
            Tensor = compilation.GetTypeByMetadataName("TorchSharp.torch+Tensor");
            foreach ((string name, ValueKind kind, string family) in new[]
            {
                ("Softmax", ValueKind.Probabilities, "softmax"), ("Softmax2d", ValueKind.Probabilities, "softmax"),
                ("Softmin", ValueKind.Probabilities, "softmin"), ("Sigmoid", ValueKind.Probabilities, "sigmoid"),
                ("LogSoftmax", ValueKind.LogProbabilities, "log_softmax"), ("LogSigmoid", ValueKind.LogProbabilities, "log_sigmoid"),
            })
            {
                if (compilation.GetTypeByMetadataName("TorchSharp.Modules." + name) is { } type)
                {
                    ProducerModules.Add((type, name, kind, family));
                }
            }

            foreach ((string name, ValueKind expects) in new[]
            {
                ("CrossEntropyLoss", ValueKind.Unknown), ("BCEWithLogitsLoss", ValueKind.Unknown),
                ("NLLLoss", ValueKind.LogProbabilities), ("KLDivLoss", ValueKind.LogProbabilities), ("BCELoss", ValueKind.Probabilities),
            })
            {
                if (compilation.GetTypeByMetadataName("TorchSharp.Modules." + name) is { } type)
                {
                    LossModules.Add((type, name, expects));
                }
            }
        }

        public INamedTypeSymbol Torch { get; }

        public INamedTypeSymbol? Nn { get; }

        public INamedTypeSymbol? Functional { get; }

        public INamedTypeSymbol? Special { get; }

        public INamedTypeSymbol? Tensor { get; }

        public List<(INamedTypeSymbol Type, string Name, ValueKind Kind, string Family)> ProducerModules { get; } = new();

        /// <summary>Loss modules and what they expect; <see cref="ValueKind.Unknown"/> stands for logits.</summary>
        public List<(INamedTypeSymbol Type, string Name, ValueKind Expects)> LossModules { get; } = new();

        public static TorchSymbols? Create(Compilation compilation) =>
            compilation.GetTypeByMetadataName("TorchSharp.torch") is { } torch ? new TorchSymbols(compilation, torch) : null;

        public bool Is(INamedTypeSymbol? type, INamedTypeSymbol? expected) =>
            type is not null && expected is not null && SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, expected);
    }

    /// <summary>What a loss expects in its first argument.</summary>
    private enum Expectation
    {
        Logits,
        LogProbabilities,
        Probabilities,
    }
}
