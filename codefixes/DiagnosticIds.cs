namespace LossGen.CodeFixes;

/// <summary>The ids and property names this assembly fixes; they mirror the generator's (which this assembly does not reference).</summary>
internal static class FixableIds
{
    public const string LogOfSoftmax = "LG0010";
    public const string LogOfSigmoid = "LG0011";
    public const string LogOnePlusExp = "LG0012";
    public const string SoftmaxTwice = "LG0013";

    public const string ProbabilitiesAsLogits = "LG0100";
    public const string ProbabilitiesAsLogProbabilities = "LG0101";
    public const string TorchLogOfSoftmax = "LG0102";
    public const string TorchLogOfSigmoid = "LG0103";

    /// <summary>The expression text that replaces the flagged characters (DSL) or the flagged C# expression.</summary>
    public const string ReplacementProperty = "LossGen.Replacement";

    /// <summary>The title of a C# expression fix.</summary>
    public const string FixTitleProperty = "LossGen.FixTitle";
}
