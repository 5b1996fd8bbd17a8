using System.Collections.Generic;
using System.Threading;
using LossGen.Generator.Model;
using Microsoft.CodeAnalysis;

namespace LossGen.Generator.Canned;

/// <summary>The PyTorch loss catalogue: each canned attribute is a formula of the language plus options.</summary>
internal static class CannedLosses
{
    public static readonly IReadOnlyList<string> AttributeNames = new string[0];

    public static LossSpec Extract(GeneratorAttributeSyntaxContext context, CancellationToken cancellation) => Extraction.Dsl(context, cancellation);
}
