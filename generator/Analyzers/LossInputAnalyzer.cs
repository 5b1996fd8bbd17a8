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
/// Flags calls to LossGen losses fed the wrong kind of input. The generator records on the <c>x</c> parameter of every
/// generated method what the loss expects (<c>[LossInput(InputKind.Logits)]</c>); this analyzer reads that record, so
/// it knows every loss without a list of names. A buffer is followed within the method: an array, span, tensor span
/// or <c>Tensor&lt;T&gt;</c>, the views made over it, and every call that may write it. When every path to the loss
/// call last wrote the buffer with <c>TensorPrimitives.SoftMax</c> or <c>Sigmoid</c> (or <c>Tensor.SoftMax</c>,
/// <c>Tensor.Sigmoid</c>), the buffer holds probabilities; with <c>Log</c> of such a buffer, log-probabilities.
/// Anything else that may write it (an unknown call that receives it, an element store, a copy) makes it unknown.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LossInputAnalyzer : DiagnosticAnalyzer
{
    /// <summary>The values of <c>LossGen.InputKind</c>.</summary>
    private const int Logits = 1, Probabilities = 2, LogProbabilities = 3;

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.ProbabilitiesAsLogits,
        DiagnosticDescriptors.ProbabilitiesAsLogProbabilities,
        DiagnosticDescriptors.LogProbabilitiesAsProbabilities);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            Symbols? symbols = Symbols.Create(start.Compilation);
            if (symbols is null)
            {
                return;
            }

            start.RegisterOperationBlockAction(block => FlowGraph.ForEachGraph(
                block,
                op => op is IInvocationOperation invocation && invocation.TargetMethod.Parameters.Any(p => symbols.HasLossInput(p)),
                graph => new Pass(symbols, graph, block.ReportDiagnostic).Run()));
        });
    }

    private sealed class Symbols
    {
        private Symbols(Compilation compilation, INamedTypeSymbol lossInput)
        {
            LossInput = lossInput;
            TensorPrimitives = compilation.GetTypeByMetadataName("System.Numerics.Tensors.TensorPrimitives");
            Tensor = compilation.GetTypeByMetadataName("System.Numerics.Tensors.Tensor");
            foreach (string name in new[] { "System.Span`1", "System.Memory`1", "System.ArraySegment`1", "System.Numerics.Tensors.TensorSpan`1", "System.Numerics.Tensors.Tensor`1" })
            {
                if (compilation.GetTypeByMetadataName(name) is { } type)
                {
                    Writable.Add(type);
                }
            }

            foreach (string name in new[] { "System.ReadOnlySpan`1", "System.ReadOnlyMemory`1", "System.Numerics.Tensors.ReadOnlyTensorSpan`1" })
            {
                if (compilation.GetTypeByMetadataName(name) is { } type)
                {
                    ReadOnly.Add(type);
                }
            }
        }

        public INamedTypeSymbol LossInput { get; }

        public INamedTypeSymbol? TensorPrimitives { get; }

        public INamedTypeSymbol? Tensor { get; }

        /// <summary>Buffer types through which a callee can write.</summary>
        public HashSet<INamedTypeSymbol> Writable { get; } = new(SymbolEqualityComparer.Default);

        /// <summary>Read-only views.</summary>
        public HashSet<INamedTypeSymbol> ReadOnly { get; } = new(SymbolEqualityComparer.Default);

        public static Symbols? Create(Compilation compilation) =>
            compilation.GetTypeByMetadataName("LossGen.LossInputAttribute") is { } attribute ? new Symbols(compilation, attribute) : null;

        public bool IsBuffer(ITypeSymbol? type) =>
            type is IArrayTypeSymbol || (type is INamedTypeSymbol named && (Writable.Contains(named.OriginalDefinition) || ReadOnly.Contains(named.OriginalDefinition)));

        public bool IsReadOnly(ITypeSymbol? type) =>
            type is INamedTypeSymbol named && (ReadOnly.Contains(named.OriginalDefinition)
                || named.OriginalDefinition.SpecialType is SpecialType.System_Collections_Generic_IEnumerable_T or SpecialType.System_Collections_Generic_IReadOnlyList_T or SpecialType.System_Collections_Generic_IReadOnlyCollection_T);

        public bool HasLossInput(IParameterSymbol parameter) =>
            parameter.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, LossInput));

        public bool IsPrimitive(INamedTypeSymbol type) =>
            SymbolEqualityComparer.Default.Equals(type, TensorPrimitives) || SymbolEqualityComparer.Default.Equals(type, Tensor);
    }

    private sealed class Pass
    {
        /// <summary>Calls that make a view over a buffer without writing it.</summary>
        private static readonly HashSet<string> ViewMethods = new() { "AsSpan", "AsMemory", "AsTensorSpan", "AsReadOnlyTensorSpan", "AsReadOnlySpan", "Slice" };

        /// <summary>Instance methods of a buffer or view that only read it.</summary>
        private static readonly HashSet<string> ReadingMethods = new()
        {
            "CopyTo", "TryCopyTo", "ToArray", "ToString", "GetHashCode", "Equals", "GetType", "GetLength", "GetLowerBound", "GetUpperBound",
            "FlattenTo", "TryFlattenTo", "GetDimensionSpan", "GetSpan", "ToDenseTensor",
        };

        private readonly Symbols _symbols;
        private readonly FlowGraph _flow;
        private readonly System.Action<Diagnostic> _report;
        private readonly Dictionary<ISymbol, ISymbol?> _roots = new(SymbolEqualityComparer.Default);
        private readonly Dictionary<ISymbol, Events> _events = new(SymbolEqualityComparer.Default);
        private readonly HashSet<(ISymbol, IOperation)> _resolving = new();
        private List<ISimpleAssignmentOperation>? _assignments;

        public Pass(Symbols symbols, FlowGraph flow, System.Action<Diagnostic> report)
        {
            _symbols = symbols;
            _flow = flow;
            _report = report;
        }

        /// <summary>The writes to one buffer, by the top-level operation they happen in.</summary>
        private sealed class Events
        {
            public Dictionary<IOperation, List<IOperation?>> Writes { get; } = new();

            /// <summary>The buffer escapes (stored in a field, aliased by reference): nothing is known.</summary>
            public bool Escaped { get; set; }
        }

        public void Run()
        {
            foreach (IOperation op in _flow.Operations)
            {
                if (op is not IInvocationOperation invocation)
                {
                    continue;
                }

                foreach (IArgumentOperation argument in invocation.Arguments)
                {
                    if (argument.Parameter is not { } parameter || ExpectedKind(parameter) is not { } expected)
                    {
                        continue;
                    }

                    Origin origin = Content(argument.Value, 0);
                    Check(invocation, argument, expected, origin);
                }
            }
        }

        private int? ExpectedKind(IParameterSymbol parameter)
        {
            foreach (AttributeData attribute in parameter.GetAttributes())
            {
                if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, _symbols.LossInput)
                    && attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is int kind)
                {
                    return kind;
                }
            }

            return null;
        }

        private void Check(IInvocationOperation invocation, IArgumentOperation argument, int expected, Origin origin)
        {
            IMethodSymbol method = invocation.TargetMethod;
            string loss = method.ContainingType.Name + "." + method.Name;
            SyntaxNode syntax = argument.Value.Syntax;
            string text = AnalyzerHelpers.Short(syntax);
            if (expected == Logits && origin.Kind == ValueKind.Probabilities)
            {
                _report(Diagnostic.Create(DiagnosticDescriptors.ProbabilitiesAsLogits, syntax.GetLocation(), loss, text, origin.Producer,
                    "pass the raw scores from before " + origin.Producer + " (the loss normalises them itself)"));
            }
            else if (expected == LogProbabilities && origin.Kind == ValueKind.Probabilities)
            {
                _report(Diagnostic.Create(DiagnosticDescriptors.ProbabilitiesAsLogProbabilities, syntax.GetLocation(), loss, text, origin.Producer,
                    "pass log-probabilities, or pass the raw scores to a loss that takes logits (logsumexp(x) - x[t])"));
            }
            else if (expected == Probabilities && origin.Kind == ValueKind.LogProbabilities)
            {
                _report(Diagnostic.Create(DiagnosticDescriptors.LogProbabilitiesAsProbabilities, syntax.GetLocation(), loss, text, origin.Producer,
                    "pass the probabilities themselves, or use a loss that takes log-probabilities"));
            }
        }

        // ---- What a value holds ---------------------------------------------------------------------------------

        /// <summary>What the data behind <paramref name="value"/> holds at the operation that reads it.</summary>
        private Origin Content(IOperation value, int depth)
        {
            if (depth > 16)
            {
                return Origin.Unknown;
            }

            IOperation operation = Origin.Strip(value);
            if (operation is IFlowCaptureReferenceOperation capture)
            {
                IReadOnlyList<IOperation> values = _flow.CaptureValues(capture.Id);
                return values.Count == 0 ? Origin.Unknown : Origin.Meet(values.Select(v => ContentAt(v, value, depth + 1)));
            }

            return ContentAt(operation, value, depth);
        }

        /// <summary>The content of <paramref name="value"/>, with its buffer's writes looked up before <paramref name="at"/>.</summary>
        private Origin ContentAt(IOperation value, IOperation at, int depth)
        {
            IOperation operation = Origin.Strip(value);
            if (Produced(operation, at, depth) is { } produced)
            {
                return produced;
            }

            if (ViewRoot(operation) is { } root)
            {
                return LastWrite(root, at, depth);
            }

            return Origin.Unknown;
        }

        /// <summary>A call whose result is a new value of known kind: <c>Tensor.SoftMax(x)</c>, or the destination form's returned view.</summary>
        private Origin? Produced(IOperation operation, IOperation at, int depth)
        {
            if (operation is not IInvocationOperation invocation || !_symbols.IsPrimitive(invocation.TargetMethod.ContainingType))
            {
                return null;
            }

            IMethodSymbol method = invocation.TargetMethod;
            string producer = method.ContainingType.Name + "." + method.Name;
            bool returnsValue = !method.ReturnsVoid;
            if (!returnsValue)
            {
                return null;
            }

            switch (method.Name)
            {
                case "SoftMax":
                case "Sigmoid":
                    return new Origin(ValueKind.Probabilities) { Producer = producer, Family = method.Name == "SoftMax" ? "softmax" : "sigmoid" };
                case "Log" when method.Parameters.Length <= 2 && Origin.Argument(invocation, 0) is { } source:
                    Origin inner = Content(source, depth + 1);
                    return inner.Kind == ValueKind.Probabilities
                        ? new Origin(ValueKind.LogProbabilities) { Producer = producer + " of " + inner.Producer, Family = "log" }
                        : Origin.Unknown;
                default:
                    return null;
            }
        }

        /// <summary>The variable whose memory a value views: <c>probs</c>, <c>probs.AsSpan(..)</c>, <c>new ReadOnlyTensorSpan&lt;float&gt;(probs, ..)</c>.</summary>
        private ISymbol? ViewRoot(IOperation operation)
        {
            IOperation? current = operation;
            for (int guard = 0; guard < 32 && current is not null; guard++)
            {
                current = Origin.Strip(current);
                switch (current)
                {
                    case ILocalReferenceOperation or IParameterReferenceOperation:
                        return Root(Origin.Variable(current)!);
                    case IFlowCaptureReferenceOperation capture:
                        IReadOnlyList<IOperation> values = _flow.CaptureValues(capture.Id);
                        current = values.Count == 1 ? values[0] : null;
                        break;
                    default:
                        current = ViewSource(current);
                        break;
                }
            }

            return null;
        }

        /// <summary>If <paramref name="operation"/> makes a view, the value it views.</summary>
        private IOperation? ViewSource(IOperation operation)
        {
            switch (operation)
            {
                case IObjectCreationOperation creation when creation.Type is INamedTypeSymbol type && _symbols.IsBuffer(type) && type is not IArrayTypeSymbol:
                    IArgumentOperation? first = creation.Arguments.FirstOrDefault(a => a.Parameter?.Ordinal == 0);
                    return first is not null && first.Value.Type is { } t && (_symbols.IsBuffer(t) || t is IArrayTypeSymbol) && first.Parameter?.RefKind == RefKind.None ? first.Value : null;
                case IInvocationOperation invocation when ViewMethods.Contains(invocation.TargetMethod.Name):
                    return invocation.Instance ?? Origin.Argument(invocation, 0);
                case IPropertyReferenceOperation { Property.Name: "Span", Instance: { } memory }:
                    return memory;
                default:
                    return null;
            }
        }

        /// <summary>
        /// The buffer a variable stands for: itself, unless every value assigned to it is a view of one other buffer (a
        /// span over an array), in which case that buffer.
        /// </summary>
        private ISymbol? Root(ISymbol variable)
        {
            if (_roots.TryGetValue(variable, out ISymbol? known))
            {
                return known;
            }

            _roots[variable] = null; // cycle guard
            ISymbol? root = variable;
            var sources = new List<ISymbol?>();
            foreach (ISimpleAssignmentOperation assignment in Assignments().Where(a => SymbolEqualityComparer.Default.Equals(Origin.Variable(a.Target), variable) && a.Target is ILocalReferenceOperation or IParameterReferenceOperation))
            {
                IOperation value = Origin.Strip(assignment.Value);
                sources.Add(value is ILocalReferenceOperation or IParameterReferenceOperation || ViewSource(value) is not null ? ViewRoot(value) : variable);
            }

            if (sources.Count > 0 && sources.All(s => s is not null && !SymbolEqualityComparer.Default.Equals(s, variable)) && sources.Distinct(SymbolEqualityComparer.Default).Count() == 1)
            {
                root = sources[0];
            }
            else if (sources.Any(s => s is null) || (sources.Any(s => !SymbolEqualityComparer.Default.Equals(s, variable)) && sources.Any(s => SymbolEqualityComparer.Default.Equals(s, variable))))
            {
                // Sometimes a view of another buffer, sometimes its own: not followed.
                root = null;
            }

            _roots[variable] = root;
            return root;
        }

        private List<ISimpleAssignmentOperation> Assignments() =>
            _assignments ??= _flow.Operations.OfType<ISimpleAssignmentOperation>().ToList();

        // ---- The writes to a buffer -----------------------------------------------------------------------------

        private Origin LastWrite(ISymbol root, IOperation at, int depth)
        {
            if (_flow.Untrackable.Contains(root))
            {
                return Origin.Unknown;
            }

            Events events = EventsOf(root);
            if (events.Escaped)
            {
                return Origin.Unknown;
            }

            IOperation? top = _flow.TopLevelOf(at);
            if (top is null || !_resolving.Add((root, top)))
            {
                return top is null ? Origin.Unknown : Origin.Neutral;
            }

            try
            {
                SearchResult search = _flow.NearestBefore(at, op => events.Writes.ContainsKey(op));
                if (search.ReachedUnknownStart || (search.ReachedEntry && !_flow.IsLocal(root)))
                {
                    return Origin.Unknown;
                }

                return Origin.Meet(search.Hits.Select(hit => Written(root, events.Writes[hit], depth)));
            }
            finally
            {
                _resolving.Remove((root, top));
            }
        }

        /// <summary>What the writes of one top-level operation leave in the buffer.</summary>
        private Origin Written(ISymbol root, List<IOperation?> writes, int depth)
        {
            if (writes.Count != 1 || writes[0] is not { } write)
            {
                return Origin.Unknown;
            }

            switch (write)
            {
                case ISimpleAssignmentOperation assignment:
                    // The buffer variable itself gets a new value.
                    IOperation value = Origin.Strip(assignment.Value);
                    if (value is IArrayCreationOperation or IDefaultValueOperation || value is ILiteralOperation { ConstantValue.Value: null }
                        || value.Syntax.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.StackAllocArrayCreationExpression)
                        || value.Syntax.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.ImplicitStackAllocArrayCreationExpression))
                    {
                        return Origin.Neutral;
                    }

                    return Produced(value, assignment, depth) ?? Origin.Unknown;
                case IArgumentOperation argument when argument.Parent is IInvocationOperation invocation && _symbols.IsPrimitive(invocation.TargetMethod.ContainingType) && argument.Parameter?.Name == "destination":
                    string producer = invocation.TargetMethod.ContainingType.Name + "." + invocation.TargetMethod.Name;
                    switch (invocation.TargetMethod.Name)
                    {
                        case "SoftMax":
                        case "Sigmoid":
                            return new Origin(ValueKind.Probabilities) { Producer = producer, Family = invocation.TargetMethod.Name == "SoftMax" ? "softmax" : "sigmoid" };
                        case "Log" when invocation.TargetMethod.Parameters.Length == 2 && Origin.Argument(invocation, 0) is { } source:
                            Origin inner = Content(source, depth + 1);
                            return inner.Kind == ValueKind.Probabilities
                                ? new Origin(ValueKind.LogProbabilities) { Producer = producer + " of " + inner.Producer, Family = "log" }
                                : Origin.Unknown;
                        default:
                            return Origin.Unknown;
                    }

                default:
                    return Origin.Unknown;
            }
        }

        private Events EventsOf(ISymbol root)
        {
            if (_events.TryGetValue(root, out Events? cached))
            {
                return cached;
            }

            var events = new Events();
            _events[root] = events;
            foreach (IOperation op in _flow.Operations)
            {
                if (op is not (ILocalReferenceOperation or IParameterReferenceOperation) || Origin.Variable(op) is not { } variable)
                {
                    continue;
                }

                if (!SymbolEqualityComparer.Default.Equals(variable, root) && !SymbolEqualityComparer.Default.Equals(Root(variable), root))
                {
                    continue;
                }

                Classify(op, SymbolEqualityComparer.Default.Equals(variable, root), events, 0);
            }

            return events;
        }

        /// <summary>Climbs from a reference to the buffer through the views made of it, and records what the use does.</summary>
        private void Classify(IOperation reference, bool isRoot, Events events, int depth)
        {
            IOperation current = reference;
            while (current.Parent is { } parent)
            {
                if (parent is IConversionOperation or IParenthesizedOperation)
                {
                    current = parent;
                    continue;
                }

                if (parent is IArgumentOperation { Parent: { } owner } viewArgument && ViewSource(owner) == viewArgument.Value)
                {
                    current = owner;
                    continue;
                }

                if (parent is IInvocationOperation viewCall && ViewMethods.Contains(viewCall.TargetMethod.Name) && viewCall.Instance == current)
                {
                    current = parent;
                    continue;
                }

                if (parent is IPropertyReferenceOperation { Property.Name: "Span" } spanProperty && spanProperty.Instance == current)
                {
                    current = parent;
                    continue;
                }

                break;
            }

            IOperation? use = current.Parent;
            switch (use)
            {
                case null:
                    return;
                case IFlowCaptureOperation capture when depth < 4:
                    foreach (IFlowCaptureReferenceOperation captured in _flow.Operations.OfType<IFlowCaptureReferenceOperation>().Where(c => c.Id.Equals(capture.Id)))
                    {
                        Classify(captured, false, events, depth + 1);
                    }

                    return;
                case IArgumentOperation argument:
                    if (argument.Parameter is null || argument.Parameter.RefKind is RefKind.Ref or RefKind.Out || !_symbols.IsReadOnly(argument.Parameter.Type))
                    {
                        Record(events, argument, argument);
                    }

                    return;
                case IInvocationOperation call when call.Instance == current:
                    if (!ReadingMethods.Contains(call.TargetMethod.Name) && !(call.TargetMethod.Name == "GetEnumerator" && current.Type is IArrayTypeSymbol))
                    {
                        Record(events, call, null);
                    }

                    return;
                case ISimpleAssignmentOperation assignment when assignment.Target == current:
                    if (isRoot && current == reference)
                    {
                        Record(events, assignment, assignment.IsRef ? null : assignment);
                    }

                    return;
                case ISimpleAssignmentOperation assignment when assignment.Value == current:
                    if (assignment.IsRef || Origin.Variable(assignment.Target) is not { } target || !SymbolEqualityComparer.Default.Equals(Root(target), Root(Origin.Variable(reference)!)))
                    {
                        events.Escaped = true;
                    }

                    return;
                case IArrayElementReferenceOperation element when element.ArrayReference == current:
                    if (IsStoredTo(element))
                    {
                        Record(events, element, null);
                    }

                    return;
                case IPropertyReferenceOperation { Property.IsIndexer: true } indexer when indexer.Instance == current:
                    if (IsStoredTo(indexer))
                    {
                        Record(events, indexer, null);
                    }

                    return;
                case IAddressOfOperation:
                case IVariableInitializerOperation:
                case IReturnOperation { Kind: OperationKind.YieldReturn }:
                    events.Escaped = true;
                    return;
                default:
                    return;
            }
        }

        private static bool IsStoredTo(IOperation element) => element.Parent switch
        {
            ISimpleAssignmentOperation assignment => assignment.Target == element || assignment.IsRef,
            ICompoundAssignmentOperation compound => compound.Target == element,
            IIncrementOrDecrementOperation => true,
            IArgumentOperation argument => argument.Parameter?.RefKind is RefKind.Ref or RefKind.Out,
            IAddressOfOperation => true,
            IDeconstructionAssignmentOperation => true,
            ITupleOperation => true,
            _ => false,
        };

        private void Record(Events events, IOperation at, IOperation? write)
        {
            IOperation? top = _flow.TopLevelOf(at);
            if (top is null)
            {
                events.Escaped = true;
                return;
            }

            if (!events.Writes.TryGetValue(top, out List<IOperation?>? list))
            {
                events.Writes[top] = list = new List<IOperation?>();
            }

            list.Add(write);
        }
    }
}
