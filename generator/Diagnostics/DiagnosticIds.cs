namespace LossGen.Generator;

/// <summary>
/// The ids of every LossGen diagnostic, and the names of the properties that carry a fix to the code fixes. Defined
/// once: the code fixes assembly compiles this same file. The descriptors are in <c>Diagnostics/DiagnosticDescriptors.cs</c>.
/// </summary>
internal static class DiagnosticIds
{
    public const string Syntax = "LG0001";
    public const string UnknownName = "LG0002";
    public const string UnknownFunction = "LG0003";
    public const string WrongArity = "LG0004";
    public const string PickOfRow = "LG0005";
    public const string ClassFunctionOfRow = "LG0006";
    public const string TargetAsValue = "LG0007";
    public const string NoDependenceOnX = "LG0008";
    public const string NonFiniteConstant = "LG0009";
    public const string LogOfSoftmax = "LG0010";
    public const string LogOfSigmoid = "LG0011";
    public const string LogOnePlusExp = "LG0012";
    public const string SoftmaxTwice = "LG0013";
    public const string NotStaticPartial = "LG0014";
    public const string InvalidOption = "LG0015";
    public const string TooComplex = "LG0016";
    public const string MisplacedMeanBy = "LG0017";
    public const string DuplicateName = "LG0018";
    public const string IgnoreWithoutTarget = "LG0019";
    public const string UnusedParameter = "LG0020";
    public const string SeveralLosses = "LG0021";
    public const string MisplacedComparison = "LG0022";

    // The analyzers of user code (generator/Analyzers): LG0100 and up.
    public const string ProbabilitiesAsLogits = "LG0100";
    public const string ProbabilitiesAsLogProbabilities = "LG0101";
    public const string TorchLogOfSoftmax = "LG0102";
    public const string TorchLogOfSigmoid = "LG0103";
    public const string LogProbabilitiesAsProbabilities = "LG0104";
    public const string KlDivLogTargetMismatch = "LG0105";

    /// <summary>The diagnostic property with the text that replaces the flagged characters (DSL) or C# expression.</summary>
    public const string ReplacementProperty = "LossGen.Replacement";

    /// <summary>The diagnostic property with the title of a C# expression fix.</summary>
    public const string FixTitleProperty = "LossGen.FixTitle";
}
