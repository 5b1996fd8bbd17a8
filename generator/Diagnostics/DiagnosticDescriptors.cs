using System.Collections.Generic;
using System.Linq;
using LossGen.Generator.Semantics;
using Microsoft.CodeAnalysis;

namespace LossGen.Generator.Diagnostics;

/// <summary>Every diagnostic LossGen reports. Each id has a help page at docs/diagnostics/LGxxxx.md.</summary>
internal static class DiagnosticDescriptors
{
    public const string Category = "LossGen";
    public const string HelpBase = "https://github.com/lossgen/lossgen/blob/main/docs/diagnostics/";

    public static readonly DiagnosticDescriptor Syntax = Error(DiagnosticIds.Syntax, "Syntax error in a loss expression", "Syntax error in the loss expression: {0}");
    public static readonly DiagnosticDescriptor UnknownName = Error(DiagnosticIds.UnknownName, "Unknown name in a loss expression", "Unknown name '{0}'{1}");
    public static readonly DiagnosticDescriptor UnknownFunction = Error(DiagnosticIds.UnknownFunction, "Unknown function in a loss expression", "Unknown function '{0}'{1}");
    public static readonly DiagnosticDescriptor WrongArity = Error(DiagnosticIds.WrongArity, "Wrong number of arguments", "'{0}' takes {1} argument(s), not {2}");
    public static readonly DiagnosticDescriptor PickOfRow = Error(DiagnosticIds.PickOfRow, "Class pick of a row-shaped value", "'[t]' picks one class of a class-shaped value, but {0} already has one value per position");
    public static readonly DiagnosticDescriptor ClassFunctionOfRow = Error(DiagnosticIds.ClassFunctionOfRow, "Class-axis function of a row-shaped value", "'{0}' works along the class axis, but {1} has one value per position");
    public static readonly DiagnosticDescriptor TargetAsValue = Error(DiagnosticIds.TargetAsValue, "Class-index target used as a value", "The class-index target '{0}' is not a value: use it as e[{0}] or one_hot({0})");
    public static readonly DiagnosticDescriptor NoDependenceOnX = Error(DiagnosticIds.NoDependenceOnX, "Loss does not depend on x", "The loss does not depend on the prediction {0}, so it has no gradient");
    public static readonly DiagnosticDescriptor NonFiniteConstant = Error(DiagnosticIds.NonFiniteConstant, "Non-finite constant", "The constant '{0}' is not a finite number");
    public static readonly DiagnosticDescriptor LogOfSoftmax = Warning(DiagnosticIds.LogOfSoftmax, "log of softmax", "log(softmax(...)) underflows to -inf for confident predictions and its gradient becomes NaN; use {0}");
    public static readonly DiagnosticDescriptor LogOfSigmoid = Warning(DiagnosticIds.LogOfSigmoid, "log of sigmoid", "log(sigmoid(...)) underflows to -inf for large negative inputs and its gradient becomes NaN; use {0}");
    public static readonly DiagnosticDescriptor LogOnePlusExp = Warning(DiagnosticIds.LogOnePlusExp, "log(1 + exp(e))", "log(1 + exp(...)) overflows to inf for large inputs; use {0}");
    public static readonly DiagnosticDescriptor SoftmaxTwice = Warning(DiagnosticIds.SoftmaxTwice, "Softmax applied twice", "'{0}' is applied to the output of '{1}', which is already normalised; use {2}");
    public static readonly DiagnosticDescriptor NotStaticPartial = Error(DiagnosticIds.NotStaticPartial, "Loss class must be static partial", "'{0}' must be a static partial class (and every class containing it partial) to receive a generated loss");
    public static readonly DiagnosticDescriptor InvalidOption = Error(DiagnosticIds.InvalidOption, "Invalid loss option", "Invalid option: {0}");
    public static readonly DiagnosticDescriptor TooComplex = Error(DiagnosticIds.TooComplex, "Loss expression too complex", "The loss expression is too complex: {0}");
    public static readonly DiagnosticDescriptor MisplacedMeanBy = Error(DiagnosticIds.MisplacedMeanBy, "Invalid use of mean_by", "Invalid use of mean_by: {0}");
    public static readonly DiagnosticDescriptor DuplicateName = Error(DiagnosticIds.DuplicateName, "Name already taken", "'{0}' cannot be defined here: the name is already taken by {1}");
    public static readonly DiagnosticDescriptor IgnoreWithoutTarget = Warning(DiagnosticIds.IgnoreWithoutTarget, "IgnoreIndex without class indices", "IgnoreIndex is set, but the loss does not use the class-index target t, so nothing is ignored");
    public static readonly DiagnosticDescriptor UnusedParameter = Warning(DiagnosticIds.UnusedParameter, "Unused hyper-parameter", "Hyper-parameter '{0}' is not used by the loss expression");
    public static readonly DiagnosticDescriptor SeveralLosses = Error(DiagnosticIds.SeveralLosses, "More than one loss on a class", "'{0}' has more than one loss attribute ({1}); a class receives one loss, so declare each loss on a class of its own");
    public static readonly DiagnosticDescriptor MisplacedComparison = Error(DiagnosticIds.MisplacedComparison, "Misplaced comparison", "'{0}': {1}");
    public static readonly DiagnosticDescriptor InternalError = Error("LG9999", "LossGen internal error", "LossGen could not compile this loss ({0}); please report it");

    // Analyzers of the user's own code (generator/Analyzers): what is fed to a loss, in TorchSharp and in calls to generated losses.
    public static readonly DiagnosticDescriptor ProbabilitiesAsLogits = Warning(DiagnosticIds.ProbabilitiesAsLogits, "Probabilities passed where a loss expects logits", "'{0}' expects logits, but its input '{1}' is the output of {2}, which is already probabilities; {3}");
    public static readonly DiagnosticDescriptor ProbabilitiesAsLogProbabilities = Warning(DiagnosticIds.ProbabilitiesAsLogProbabilities, "Probabilities passed where a loss expects log-probabilities", "'{0}' expects log-probabilities, but its input '{1}' is the output of {2}, which is probabilities; {3}");
    public static readonly DiagnosticDescriptor TorchLogOfSoftmax = Warning(DiagnosticIds.TorchLogOfSoftmax, "log of softmax output", "{0} of the output of {1} underflows to -inf for confident predictions and its gradient becomes NaN; use {2}");
    public static readonly DiagnosticDescriptor TorchLogOfSigmoid = Warning(DiagnosticIds.TorchLogOfSigmoid, "log of sigmoid output", "{0} of the output of {1} underflows to -inf for large negative inputs and its gradient becomes NaN; use {2}");
    public static readonly DiagnosticDescriptor KlDivLogTargetMismatch = Warning(DiagnosticIds.KlDivLogTargetMismatch, "kl_div's log_target does not match its target", "'kl_div' reads its target '{0}' as {1}, but it is the output of {2}, which is {3}; {4}");
    public static readonly DiagnosticDescriptor LogProbabilitiesAsProbabilities = Warning(DiagnosticIds.LogProbabilitiesAsProbabilities, "Log-probabilities passed where a loss expects probabilities", "'{0}' expects probabilities, but its input '{1}' is the output of {2}, which is log-probabilities; {3}");

    public static readonly IReadOnlyList<DiagnosticDescriptor> All = new[]
    {
        Syntax, UnknownName, UnknownFunction, WrongArity, PickOfRow, ClassFunctionOfRow, TargetAsValue, NoDependenceOnX,
        NonFiniteConstant, LogOfSoftmax, LogOfSigmoid, LogOnePlusExp, SoftmaxTwice, NotStaticPartial, InvalidOption,
        TooComplex, MisplacedMeanBy, DuplicateName, IgnoreWithoutTarget, UnusedParameter, SeveralLosses, MisplacedComparison, InternalError,
        ProbabilitiesAsLogits, ProbabilitiesAsLogProbabilities, TorchLogOfSoftmax, TorchLogOfSigmoid, LogProbabilitiesAsProbabilities, KlDivLogTargetMismatch,
    };

    private static readonly Dictionary<string, DiagnosticDescriptor> ByIdMap = All.ToDictionary(d => d.Id);

    public static DiagnosticDescriptor ById(string id) => ByIdMap[id];

    private static DiagnosticDescriptor Error(string id, string title, string message) => Create(id, title, message, DiagnosticSeverity.Error);

    private static DiagnosticDescriptor Warning(string id, string title, string message) => Create(id, title, message, DiagnosticSeverity.Warning);

    private static DiagnosticDescriptor Create(string id, string title, string message, DiagnosticSeverity severity) =>
        new(id, title, message, Category, severity, isEnabledByDefault: true, helpLinkUri: HelpBase + id + ".md");
}
