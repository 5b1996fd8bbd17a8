using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using LossGen.Generator.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace LossGen.Generator.Analyzers;

/// <summary>
/// Flags TorchSharp losses fed the wrong kind of input: probabilities (softmax, sigmoid) where logits belong
/// (<c>cross_entropy</c>, <c>CrossEntropyLoss</c>, <c>binary_cross_entropy_with_logits</c>, <c>BCEWithLogitsLoss</c>),
/// probabilities where log-probabilities belong (<c>nll_loss</c>, <c>NLLLoss</c>, <c>kl_div</c>, <c>KLDivLoss</c>),
/// log-probabilities where probabilities belong (<c>binary_cross_entropy</c>, <c>BCELoss</c>), a kl_div target that its
/// log_target reads as the other kind (TorchSharp's default log_target is true, PyTorch's false), and the log of softmax or
/// sigmoid output. Values are followed through locals and assignments within the method; a value is flagged only when
/// every definition that reaches the call proves it. TorchSharp is matched by metadata name: no reference to it.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed partial class TorchSharpAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.ProbabilitiesAsLogits,
        DiagnosticDescriptors.ProbabilitiesAsLogProbabilities,
        DiagnosticDescriptors.TorchLogOfSoftmax,
        DiagnosticDescriptors.TorchLogOfSigmoid,
        DiagnosticDescriptors.LogProbabilitiesAsProbabilities,
        DiagnosticDescriptors.KlDivLogTargetMismatch);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            TorchSymbols? symbols = TorchSymbols.Create(start.Compilation);
            if (symbols is null)
            {
                return;
            }

            start.RegisterOperationBlockAction(block => FlowGraph.ForEachGraph(block, IsCandidate, graph => new Pass(symbols, graph, block.ReportDiagnostic).Run()));
        });
    }

    private static readonly System.Collections.Generic.HashSet<string> CandidateNames = new()
    {
        "cross_entropy", "binary_cross_entropy_with_logits", "multilabel_soft_margin_loss", "nll_loss", "kl_div",
        "binary_cross_entropy", "forward", "call", "log", "log_",
    };

    /// <summary>A call that may be a loss or a log: only method bodies that have one are analyzed.</summary>
    private static bool IsCandidate(IOperation operation) =>
        operation is IInvocationOperation invocation && CandidateNames.Contains(invocation.TargetMethod.Name);

    private sealed class Pass
    {
        private static readonly HashSet<string> Wrappers = new()
        {
            "to", "to_type", "cpu", "cuda", "detach", "detach_", "clone", "contiguous", "view", "view_as", "reshape", "reshape_as",
            "flatten", "squeeze", "squeeze_", "unsqueeze", "unsqueeze_", "permute", "transpose", "transpose_", "float", "double",
            "half", "bfloat16", "type", "MoveToOuterDisposeScope", "DetachFromDisposeScope", "MoveToOtherDisposeScope",
            "clamp", "clamp_", "clip", "clip_", "clamp_min", "clamp_max", "index_select", "narrow", "select", "expand", "expand_as",
        };

        private static readonly HashSet<string> Clamps = new() { "clamp", "clamp_", "clip", "clip_", "clamp_min", "clamp_max" };

        /// <summary>In-place methods (trailing underscore) that do not change the values.</summary>
        private static readonly HashSet<string> ValuePreservingInPlace = new()
        {
            "requires_grad_", "retain_grad", "share_memory_", "detach_", "squeeze_", "unsqueeze_", "transpose_", "t_",
        };

        private readonly TorchSymbols _symbols;
        private readonly FlowGraph _flow;
        private readonly System.Action<Diagnostic> _report;
        private readonly Dictionary<IOperation, List<Write>> _writes = new();
        private readonly Dictionary<ISymbol, ISymbol> _aliasParent = new(SymbolEqualityComparer.Default);
        private readonly HashSet<(ISymbol, IOperation)> _resolving = new();

        public Pass(TorchSymbols symbols, FlowGraph flow, System.Action<Diagnostic> report)
        {
            _symbols = symbols;
            _flow = flow;
            _report = report;
        }

        /// <summary>A write to a variable inside one top-level operation.</summary>
        private sealed record Write(ISymbol Target, IOperation? Value, IInvocationOperation? InPlace);

        public void Run()
        {
            CollectWrites();
            foreach (IOperation op in _flow.Operations)
            {
                if (op is not IInvocationOperation invocation)
                {
                    continue;
                }

                CheckLoss(invocation);
                CheckKlDivTarget(invocation);
                CheckLog(invocation);
            }
        }

        // ---- Loss calls -------------------------------------------------------------------------------------------

        private void CheckLoss(IInvocationOperation invocation)
        {
            if (LossSite(invocation) is not var (name, expectation, input) || input is null)
            {
                return;
            }

            Origin origin = Resolve(input);
            SyntaxNode inputSyntax = input.Syntax;
            switch (expectation)
            {
                case Expectation.Logits when origin.Kind == ValueKind.Probabilities:
                {
                    string advice = "pass the raw scores from before " + origin.Producer + " (the loss normalises them itself)";
                    string? replacement = origin.Family is "softmax" or "sigmoid" && Fixable(origin, invocation) ? AnalyzerHelpers.Text(origin.Input!.Syntax) : null;
                    Report(DiagnosticDescriptors.ProbabilitiesAsLogits, inputSyntax, replacement, "Pass the scores from before " + origin.Producer,
                        name, AnalyzerHelpers.Short(inputSyntax), origin.Producer, advice);
                    break;
                }

                case Expectation.LogProbabilities when origin.Kind == ValueKind.Probabilities:
                {
                    bool softmax = origin.Family == "softmax";
                    string advice = softmax ? "use log_softmax instead of softmax" : "pass log-probabilities (log_softmax of the raw scores), or use cross_entropy on the raw scores";
                    string? replacement = softmax && !origin.FromModule && origin.Dim is not null && Fixable(origin, invocation) ? LogSoftmaxText(origin) : null;
                    Report(DiagnosticDescriptors.ProbabilitiesAsLogProbabilities, inputSyntax, replacement, "Use log_softmax",
                        name, AnalyzerHelpers.Short(inputSyntax), origin.Producer, advice);
                    break;
                }

                case Expectation.Probabilities when origin.Kind == ValueKind.LogProbabilities:
                    Report(DiagnosticDescriptors.LogProbabilitiesAsProbabilities, inputSyntax, null, null,
                        name, AnalyzerHelpers.Short(inputSyntax), origin.Producer, "pass probabilities (softmax or sigmoid), or use a loss that takes log-probabilities (nll_loss) or logits");
                    break;
            }
        }

        /// <summary>
        /// TorchSharp's <c>kl_div(input, target, log_target = true)</c>: PyTorch's default is <c>log_target = false</c>,
        /// so code ported from PyTorch that passes probabilities as the target and leaves log_target out reads them as
        /// log-probabilities. Flags a target proved to hold probabilities under log_target true (given or by default),
        /// and one proved to hold log-probabilities under log_target false.
        /// </summary>
        private void CheckKlDivTarget(IInvocationOperation invocation)
        {
            IMethodSymbol method = invocation.TargetMethod;
            if (method.Name != "kl_div" || !_symbols.Is(method.ContainingType, _symbols.Functional))
            {
                return;
            }

            IArgumentOperation? target = invocation.Arguments.FirstOrDefault(a => a.Parameter?.Ordinal == 1);
            IArgumentOperation? logTarget = invocation.Arguments.FirstOrDefault(a => a.Parameter?.Name == "log_target");
            if (target is null || logTarget is null || logTarget.Value.ConstantValue is not { HasValue: true, Value: bool asLog })
            {
                return;
            }

            bool byDefault = logTarget.ArgumentKind == ArgumentKind.DefaultValue;
            Origin origin = Resolve(target.Value);
            SyntaxNode syntax = target.Value.Syntax;
            if (asLog && origin.Kind == ValueKind.Probabilities)
            {
                string how = byDefault ? "log-probabilities (TorchSharp's default log_target: true; PyTorch's default is false)" : "log-probabilities (log_target: true)";
                Report(DiagnosticDescriptors.KlDivLogTargetMismatch, syntax, null, null, AnalyzerHelpers.Short(syntax), how, origin.Producer, "probabilities",
                    "pass log_target: false, or pass the log-probabilities of the target");
            }
            else if (!asLog && origin.Kind == ValueKind.LogProbabilities)
            {
                Report(DiagnosticDescriptors.KlDivLogTargetMismatch, syntax, null, null, AnalyzerHelpers.Short(syntax), "probabilities (log_target: false)", origin.Producer, "log-probabilities",
                    "pass log_target: true, or pass the probabilities of the target");
            }
        }

        /// <summary>The loss a call is, what it expects, and its input argument.</summary>
        private (string Name, Expectation Expectation, IOperation? Input)? LossSite(IInvocationOperation invocation)
        {
            IMethodSymbol method = invocation.TargetMethod;
            if (_symbols.Is(method.ContainingType, _symbols.Functional))
            {
                Expectation? expectation = method.Name switch
                {
                    "cross_entropy" or "binary_cross_entropy_with_logits" or "multilabel_soft_margin_loss" => Expectation.Logits,
                    "nll_loss" or "kl_div" => Expectation.LogProbabilities,
                    "binary_cross_entropy" => Expectation.Probabilities,
                    _ => null,
                };
                return expectation is { } e ? (method.Name, e, Origin.Argument(invocation, 0)) : null;
            }

            if (method.Name is not ("forward" or "call") || invocation.Instance is null || method.Parameters.Length < 2)
            {
                return null;
            }

            foreach (ITypeSymbol type in ModuleTypes(invocation.Instance))
            {
                foreach ((INamedTypeSymbol lossType, string name, ValueKind expects) in _symbols.LossModules)
                {
                    if (AnalyzerHelpers.IsType(type, lossType))
                    {
                        Expectation expectation = expects switch
                        {
                            ValueKind.LogProbabilities => Expectation.LogProbabilities,
                            ValueKind.Probabilities => Expectation.Probabilities,
                            _ => Expectation.Logits,
                        };
                        return (name, expectation, Origin.Argument(invocation, 0));
                    }
                }
            }

            return null;
        }

        /// <summary>
        /// The type of the module a call goes to: the receiver's static type, or, for a local declared with a base type
        /// (<c>Loss&lt;...&gt; criterion = nn.CrossEntropyLoss()</c>), the types of the values assigned to it.
        /// </summary>
        private IEnumerable<ITypeSymbol> ModuleTypes(IOperation receiver)
        {
            IOperation stripped = Origin.Strip(receiver);
            if (stripped.Type is { } type)
            {
                yield return type;
            }

            if (Origin.Variable(stripped) is { } variable && !_flow.Untrackable.Contains(variable))
            {
                var assigned = new List<ITypeSymbol>();
                foreach (Write write in _writes.Values.SelectMany(w => w).Where(w => SymbolEqualityComparer.Default.Equals(w.Target, variable)))
                {
                    if (write.Value is null || Origin.Strip(write.Value).Type is not { } valueType)
                    {
                        yield break;
                    }

                    assigned.Add(valueType);
                }

                if (assigned.Count > 0 && assigned.All(t => SymbolEqualityComparer.Default.Equals(t, assigned[0])))
                {
                    yield return assigned[0];
                }
            }
        }

        // ---- log of softmax / sigmoid -----------------------------------------------------------------------------

        private void CheckLog(IInvocationOperation invocation)
        {
            IMethodSymbol method = invocation.TargetMethod;
            IOperation? argument;
            string display;
            if (_symbols.Is(method.ContainingType, _symbols.Torch) && method.Name is "log" or "log_")
            {
                argument = Origin.Argument(invocation, 0);
                display = "torch." + method.Name;
            }
            else if (_symbols.Is(method.ContainingType, _symbols.Tensor) && !method.IsStatic && method.Name is "log" or "log_")
            {
                argument = invocation.Instance;
                display = "Tensor." + method.Name + "()";
            }
            else
            {
                return;
            }

            if (argument is null)
            {
                return;
            }

            Origin origin = Resolve(argument);
            if (origin.Kind != ValueKind.Probabilities || origin.Clamped)
            {
                return;
            }

            bool inPlace = method.Name == "log_";
            if (origin.Family == "sigmoid")
            {
                string? replacement = !inPlace && Fixable(origin, invocation) ? AnalyzerHelpers.AsReceiver(origin.Input!.Syntax) + ".log_sigmoid()" : null;
                Report(DiagnosticDescriptors.TorchLogOfSigmoid, invocation.Syntax, replacement, "Use log_sigmoid", display, origin.Producer,
                    replacement ?? "log_sigmoid (torch.nn.functional.logsigmoid) on the raw scores");
            }
            else
            {
                string? replacement = !inPlace && origin.Family == "softmax" && !origin.FromModule && origin.Dim is not null && Fixable(origin, invocation) ? LogSoftmaxText(origin) : null;
                Report(DiagnosticDescriptors.TorchLogOfSoftmax, invocation.Syntax, replacement, "Use log_softmax", display, origin.Producer,
                    replacement ?? "log_softmax on the raw scores");
            }
        }

        // ---- Fixes ------------------------------------------------------------------------------------------------

        private static string LogSoftmaxText(Origin origin) =>
            AnalyzerHelpers.AsReceiver(origin.Input!.Syntax) + ".log_softmax(" + AnalyzerHelpers.Text(origin.Dim!.Syntax)
            + (origin.DType is null ? string.Empty : ", " + AnalyzerHelpers.Text(origin.DType.Syntax)) + ")";

        /// <summary>
        /// A fix may rewrite the value at the call into an expression of the producer's input when there is one producer,
        /// reached without value-preserving calls, and — through a local — its input is a variable that is written once,
        /// visible at the call.
        /// </summary>
        private bool Fixable(Origin origin, IInvocationOperation site)
        {
            if (origin.Input is null || origin.Wrapped || origin.Several || origin.Clamped)
            {
                return false;
            }

            if (!origin.ViaLocal)
            {
                return true;
            }

            ISymbol? variable = Origin.Variable(origin.Input);
            if (variable is null || _flow.Untrackable.Contains(variable) || !AnalyzerHelpers.InScope(variable, site.Syntax))
            {
                return false;
            }

            int writes = _writes.Values.SelectMany(w => w).Count(w => SymbolEqualityComparer.Default.Equals(w.Target, variable) || (w.InPlace is not null && SameGroup(w.Target, variable)));
            return variable is IParameterSymbol ? writes == 0 : writes == 1;
        }

        private void Report(DiagnosticDescriptor descriptor, SyntaxNode location, string? replacement, string? title, params object[] args)
        {
            Diagnostic diagnostic = replacement is null || title is null
                ? Diagnostic.Create(descriptor, location.GetLocation(), args)
                : Diagnostic.Create(descriptor, location.GetLocation(), new[] { location.GetLocation() }, AnalyzerHelpers.FixProperties(replacement, title), args);
            _report(diagnostic);
        }

        // ---- What a value is ------------------------------------------------------------------------------------

        private Origin Resolve(IOperation value, int depth = 0)
        {
            if (depth > 24)
            {
                return Origin.Unknown;
            }

            IOperation operation = Origin.Strip(value);
            switch (operation)
            {
                case IFlowCaptureReferenceOperation capture:
                    IReadOnlyList<IOperation> values = _flow.CaptureValues(capture.Id);
                    return values.Count == 0 ? Origin.Unknown : Origin.Meet(values.Select(v => Resolve(v, depth + 1)));
                case ILiteralOperation { ConstantValue.HasValue: true, ConstantValue.Value: null }:
                case IDefaultValueOperation:
                    return Origin.Neutral;
                case ISimpleAssignmentOperation assignment:
                    return Resolve(assignment.Value, depth + 1);
                case ILocalReferenceOperation or IParameterReferenceOperation:
                    return ResolveVariable(Origin.Variable(operation)!, operation, depth);
                case IInvocationOperation invocation:
                    return Produced(invocation, depth) ?? Wrapped(invocation, depth) ?? Origin.Unknown;
                case IPropertyReferenceOperation { Property.IsIndexer: true, Instance: { } instance } when IsTensor(instance.Type):
                    return Resolve(instance, depth + 1).With(wrapped: true);
                default:
                    return Origin.Unknown;
            }
        }

        private Origin ResolveVariable(ISymbol variable, IOperation at, int depth)
        {
            if (_flow.Untrackable.Contains(variable))
            {
                return Origin.Unknown;
            }

            IOperation? top = _flow.TopLevelOf(at);
            if (top is null || !_resolving.Add((variable, top)))
            {
                // A definition that depends on itself around a loop adds nothing.
                return top is null ? Origin.Unknown : Origin.Neutral;
            }

            try
            {
                SearchResult search = _flow.NearestBefore(at, op => Touches(op, variable));
                if (search.ReachedUnknownStart || (search.ReachedEntry && !_flow.IsLocal(variable)))
                {
                    return Origin.Unknown;
                }

                return Origin.Meet(search.Hits.Select(hit => Defined(hit, variable, depth))).With(viaLocal: true);
            }
            finally
            {
                _resolving.Remove((variable, top));
            }
        }

        private bool Touches(IOperation top, ISymbol variable) =>
            _writes.TryGetValue(top, out List<Write>? writes)
            && writes.Any(w => SymbolEqualityComparer.Default.Equals(w.Target, variable) || (w.InPlace is not null && SameGroup(w.Target, variable)));

        /// <summary>What <paramref name="top"/> leaves in <paramref name="variable"/>.</summary>
        private Origin Defined(IOperation top, ISymbol variable, int depth)
        {
            var writes = _writes[top].Where(w => SymbolEqualityComparer.Default.Equals(w.Target, variable) || (w.InPlace is not null && SameGroup(w.Target, variable))).ToList();
            if (writes.Count != 1)
            {
                return Origin.Unknown;
            }

            Write write = writes[0];
            if (write.InPlace is { } inPlace)
            {
                // x.sigmoid_() turns x itself into probabilities; any other in-place operation, or one on an alias, is unknown.
                return SymbolEqualityComparer.Default.Equals(write.Target, variable) && inPlace.TargetMethod.Name == "sigmoid_"
                    ? Produced(inPlace, depth)?.With(wrapped: true) ?? Origin.Unknown
                    : Origin.Unknown;
            }

            return write.Value is null ? Origin.Unknown : Resolve(write.Value, depth + 1);
        }

        /// <summary>A call that produces probabilities or log-probabilities.</summary>
        private Origin? Produced(IInvocationOperation invocation, int depth)
        {
            IMethodSymbol method = invocation.TargetMethod;
            INamedTypeSymbol type = method.ContainingType;
            string name = method.Name;
            if (_symbols.Is(type, _symbols.Torch))
            {
                return name switch
                {
                    "softmax" => Make(ValueKind.Probabilities, "softmax", "torch.softmax", Origin.Argument(invocation, 0), Origin.Argument(invocation, 1), Origin.Argument(invocation, 2)),
                    "sigmoid" or "sigmoid_" => Make(ValueKind.Probabilities, "sigmoid", "torch." + name, Origin.Argument(invocation, 0)),
                    "log" or "log_" => LogOf(Origin.Argument(invocation, 0), "torch." + name, depth),
                    "exp" or "exp_" => ExpOf(Origin.Argument(invocation, 0), "torch." + name, depth),
                    _ => null,
                };
            }

            if (_symbols.Is(type, _symbols.Functional) || _symbols.Is(type, _symbols.Special))
            {
                string prefix = _symbols.Is(type, _symbols.Functional) ? "torch.nn.functional." : "torch.special.";
                IOperation? input = Origin.Argument(invocation, 0);
                return name switch
                {
                    "softmax" => Make(ValueKind.Probabilities, "softmax", prefix + name, input, Origin.Argument(invocation, 1), Origin.Argument(invocation, 2)),
                    "softmin" => Make(ValueKind.Probabilities, "softmin", prefix + name, input),
                    "sigmoid" or "expit" or "sigmoid_" => InPlaceArgument(invocation) ? null : Make(ValueKind.Probabilities, "sigmoid", prefix + name, input),
                    "log_softmax" => Make(ValueKind.LogProbabilities, "log_softmax", prefix + name, input),
                    "logsigmoid" => Make(ValueKind.LogProbabilities, "log_sigmoid", prefix + name, input),
                    _ => null,
                };
            }

            if (_symbols.Is(type, _symbols.Tensor) && !method.IsStatic)
            {
                IOperation? input = invocation.Instance;
                return name switch
                {
                    "softmax" => Make(ValueKind.Probabilities, "softmax", "Tensor.softmax", input, Origin.Argument(invocation, 0), Origin.Argument(invocation, 1)),
                    "sigmoid" or "sigmoid_" => Make(ValueKind.Probabilities, "sigmoid", "Tensor." + name, input),
                    "log_softmax" => Make(ValueKind.LogProbabilities, "log_softmax", "Tensor.log_softmax", input),
                    "log_sigmoid" => Make(ValueKind.LogProbabilities, "log_sigmoid", "Tensor.log_sigmoid", input),
                    "log" or "log_" => LogOf(input, "Tensor." + name, depth),
                    "exp" or "exp_" => ExpOf(input, "Tensor." + name, depth),
                    _ => null,
                };
            }

            if (name is "forward" or "call" && invocation.Instance is { } module && method.Parameters.Length == 1)
            {
                foreach (ITypeSymbol moduleType in ModuleTypes(module))
                {
                    foreach ((INamedTypeSymbol producer, string producerName, ValueKind kind, string family) in _symbols.ProducerModules)
                    {
                        if (AnalyzerHelpers.IsType(moduleType, producer))
                        {
                            Origin origin = Make(kind, family, "an nn." + producerName + " module", Origin.Argument(invocation, 0));
                            origin.FromModule = true;
                            return origin;
                        }
                    }
                }
            }

            return null;
        }

        private static bool InPlaceArgument(IInvocationOperation invocation) =>
            invocation.Arguments.Any(a => a.Parameter?.Name == "inplace" && a.ArgumentKind != ArgumentKind.DefaultValue && !AnalyzerHelpers.IsConstantFalse(a.Value));

        private Origin? LogOf(IOperation? input, string producer, int depth)
        {
            if (input is null)
            {
                return null;
            }

            Origin inner = Resolve(input, depth + 1);
            return inner.Kind == ValueKind.Probabilities
                ? new Origin(ValueKind.LogProbabilities) { Family = "log", Producer = producer + " of " + inner.Producer, Input = input, Wrapped = true }
                : null;
        }

        /// <summary>The exponential of log-probabilities is probabilities again.</summary>
        private Origin? ExpOf(IOperation? input, string producer, int depth)
        {
            if (input is null)
            {
                return null;
            }

            Origin inner = Resolve(input, depth + 1);
            if (inner.Kind != ValueKind.LogProbabilities)
            {
                return null;
            }

            string family = inner.Family switch
            {
                "log_softmax" => "softmax",
                "log_sigmoid" => "sigmoid",
                _ => "softmax or sigmoid",
            };
            return new Origin(ValueKind.Probabilities) { Family = family, Producer = producer + " of " + inner.Producer, Input = input, Wrapped = true };
        }

        private static Origin Make(ValueKind kind, string family, string producer, IOperation? input, IOperation? dim = null, IOperation? dtype = null) =>
            new(kind) { Family = family, Producer = producer, Input = input, Dim = dim, DType = dtype };

        /// <summary>Calls that keep what a tensor holds (device moves, views, clamps, index selections).</summary>
        private Origin? Wrapped(IInvocationOperation invocation, int depth)
        {
            IMethodSymbol method = invocation.TargetMethod;
            if (!Wrappers.Contains(method.Name))
            {
                return null;
            }

            IOperation? inner = _symbols.Is(method.ContainingType, _symbols.Tensor) && !method.IsStatic ? invocation.Instance
                : _symbols.Is(method.ContainingType, _symbols.Torch) ? Origin.Argument(invocation, 0)
                : null;
            if (inner is null || !IsTensor(invocation.Type))
            {
                return null;
            }

            Origin origin = Resolve(inner, depth + 1);
            return origin.IsProof ? origin.With(wrapped: true, clamped: Clamps.Contains(method.Name)) : origin;
        }

        private bool IsTensor(ITypeSymbol? type) => type is INamedTypeSymbol named && _symbols.Is(named, _symbols.Tensor);

        // ---- Writes -----------------------------------------------------------------------------------------------

        private void CollectWrites()
        {
            foreach (IOperation op in _flow.Operations)
            {
                switch (op)
                {
                    case ISimpleAssignmentOperation assignment when Origin.Variable(assignment.Target) is { } target && assignment.Target is ILocalReferenceOperation or IParameterReferenceOperation:
                        Add(op, new Write(target, assignment.IsRef ? null : assignment.Value, null));
                        if (IsTensor(assignment.Target.Type) && AliasSource(assignment.Value) is { } source)
                        {
                            Union(target, source);
                        }

                        break;
                    case ICompoundAssignmentOperation compound when Origin.Variable(compound.Target) is { } target:
                        Add(op, new Write(target, null, null));
                        break;
                    case IIncrementOrDecrementOperation increment when Origin.Variable(increment.Target) is { } target:
                        Add(op, new Write(target, null, null));
                        break;
                    case IDeconstructionAssignmentOperation deconstruction:
                        foreach (IOperation part in FlowGraph.DescendantsAndSelf(deconstruction.Target))
                        {
                            if (part is ILocalReferenceOperation or IParameterReferenceOperation)
                            {
                                Add(op, new Write(Origin.Variable(part)!, null, null));
                            }
                        }

                        break;
                    case IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out } argument when Origin.Variable(argument.Value) is { } target:
                        Add(op, new Write(target, null, null));
                        break;
                    case IInvocationOperation invocation when IsInPlace(invocation):
                        IOperation? receiver = invocation.TargetMethod.IsStatic ? Origin.Argument(invocation, 0) : invocation.Instance;
                        if (receiver is not null && Origin.Variable(receiver) is { } mutated)
                        {
                            Add(op, new Write(mutated, null, invocation));
                        }

                        break;
                }
            }
        }

        private static bool IsInPlace(IInvocationOperation invocation)
        {
            string name = invocation.TargetMethod.Name;
            return (name.EndsWith("_", System.StringComparison.Ordinal) && !ValuePreservingInPlace.Contains(name)) || InPlaceArgument(invocation);
        }

        /// <summary>The variable whose tensor an assigned value shares (<c>b = a</c>, <c>b = a.view(...)</c>).</summary>
        private ISymbol? AliasSource(IOperation value)
        {
            IOperation current = Origin.Strip(value);
            for (int guard = 0; guard < 16; guard++)
            {
                if (Origin.Variable(current) is { } variable)
                {
                    return variable;
                }

                if (current is IInvocationOperation invocation && Wrappers.Contains(invocation.TargetMethod.Name))
                {
                    IOperation? inner = invocation.TargetMethod.IsStatic ? Origin.Argument(invocation, 0) : invocation.Instance;
                    if (inner is null)
                    {
                        return null;
                    }

                    current = Origin.Strip(inner);
                    continue;
                }

                return null;
            }

            return null;
        }

        private void Add(IOperation op, Write write)
        {
            IOperation? top = _flow.TopLevelOf(op);
            if (top is null)
            {
                return;
            }

            if (!_writes.TryGetValue(top, out List<Write>? list))
            {
                _writes[top] = list = new List<Write>();
            }

            list.Add(write);
        }

        private ISymbol Find(ISymbol symbol)
        {
            while (_aliasParent.TryGetValue(symbol, out ISymbol? parent) && !SymbolEqualityComparer.Default.Equals(parent, symbol))
            {
                symbol = parent;
            }

            return symbol;
        }

        private void Union(ISymbol a, ISymbol b)
        {
            ISymbol ra = Find(a), rb = Find(b);
            if (!SymbolEqualityComparer.Default.Equals(ra, rb))
            {
                _aliasParent[ra] = rb;
            }
        }

        private bool SameGroup(ISymbol a, ISymbol b) => SymbolEqualityComparer.Default.Equals(Find(a), Find(b));
    }
}
