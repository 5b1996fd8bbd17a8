using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace LossGen.Generator.Analyzers;

/// <summary>
/// One control-flow graph (a method body, a lambda or a local function) prepared for backward searches: where each
/// operation sits, which locals the graph declares, which flow captures carry which values. The analyzers ask one
/// question of it: on every path that reaches an operation, which is the nearest earlier operation that touches a
/// given variable? A path that reaches the start of the graph, or a catch or finally handler, without one is reported
/// as such, so the caller can stay silent.
/// </summary>
internal sealed class FlowGraph
{
    private readonly Dictionary<IOperation, (BasicBlock Block, int Index)> _positions = new();
    private readonly Dictionary<CaptureId, List<IOperation>> _captures = new();
    private readonly HashSet<ISymbol> _declared = new(SymbolEqualityComparer.Default);

    public FlowGraph(ControlFlowGraph graph, IEnumerable<IParameterSymbol> parameters, ISet<ISymbol> untrackable)
    {
        Graph = graph;
        Untrackable = untrackable;
        foreach (IParameterSymbol parameter in parameters)
        {
            _declared.Add(parameter);
        }

        CollectLocals(graph.Root);
        foreach (BasicBlock block in graph.Blocks)
        {
            for (int i = 0; i <= block.Operations.Length; i++)
            {
                IOperation? top = TopLevel(block, i);
                if (top is null)
                {
                    continue;
                }

                foreach (IOperation op in DescendantsAndSelf(top))
                {
                    _positions[op] = (block, i);
                    if (op is IFlowCaptureOperation capture)
                    {
                        if (!_captures.TryGetValue(capture.Id, out List<IOperation>? values))
                        {
                            _captures[capture.Id] = values = new List<IOperation>();
                        }

                        values.Add(capture.Value);
                    }
                }
            }
        }
    }

    public ControlFlowGraph Graph { get; }

    /// <summary>Variables that a lambda or local function captures, or that are aliased by reference: never tracked.</summary>
    public ISet<ISymbol> Untrackable { get; }

    /// <summary>Every operation of the graph (not of nested lambdas), each top-level operation followed by its descendants.</summary>
    public IEnumerable<IOperation> Operations => _positions.Keys;

    public bool IsDeclaredHere(ISymbol symbol) => _declared.Contains(symbol);

    public bool IsLocal(ISymbol symbol) => symbol is ILocalSymbol && _declared.Contains(symbol);

    /// <summary>The values a flow capture may hold (a conditional expression gives two).</summary>
    public IReadOnlyList<IOperation> CaptureValues(CaptureId id) =>
        _captures.TryGetValue(id, out List<IOperation>? values) ? values : Array.Empty<IOperation>();

    /// <summary>The top-level operation that contains <paramref name="operation"/>.</summary>
    public IOperation? TopLevelOf(IOperation operation) =>
        _positions.TryGetValue(operation, out var position) ? TopLevel(position.Block, position.Index) : null;

    /// <summary>
    /// On every path back from <paramref name="at"/> (exclusive of its own top-level operation), the nearest top-level
    /// operation for which <paramref name="touches"/> is true.
    /// </summary>
    public SearchResult NearestBefore(IOperation at, Func<IOperation, bool> touches)
    {
        var result = new SearchResult();
        if (!_positions.TryGetValue(at, out var start))
        {
            result.ReachedUnknownStart = true;
            return result;
        }

        var scanned = new HashSet<BasicBlock>();
        var queue = new Queue<BasicBlock>();
        if (!Scan(start.Block, start.Index - 1, touches, result))
        {
            Enqueue(start.Block, queue, touches, result);
        }

        int budget = 10_000;
        while (queue.Count > 0 && budget-- > 0)
        {
            BasicBlock block = queue.Dequeue();
            if (!scanned.Add(block))
            {
                continue;
            }

            if (!Scan(block, block.Operations.Length, touches, result))
            {
                Enqueue(block, queue, touches, result);
            }
        }

        if (budget <= 0)
        {
            result.ReachedUnknownStart = true;
        }

        return result;
    }

    private void Enqueue(BasicBlock block, Queue<BasicBlock> queue, Func<IOperation, bool> touches, SearchResult result)
    {
        if (block.Predecessors.IsEmpty)
        {
            if (block.Kind == BasicBlockKind.Entry)
            {
                result.ReachedEntry = true;
            }
            else
            {
                // A catch or finally handler, or unreachable code: what flows in is not visible.
                result.ReachedUnknownStart = true;
            }

            return;
        }

        foreach (ControlFlowBranch branch in block.Predecessors)
        {
            // Finally blocks run on the way: anything they do to the variable is not ordered here, so it spoils the result.
            foreach (ControlFlowRegion region in branch.FinallyRegions)
            {
                for (int b = region.FirstBlockOrdinal; b <= region.LastBlockOrdinal; b++)
                {
                    BasicBlock inFinally = Graph.Blocks[b];
                    for (int i = 0; i <= inFinally.Operations.Length; i++)
                    {
                        if (TopLevel(inFinally, i) is { } op && touches(op))
                        {
                            result.ReachedUnknownStart = true;
                        }
                    }
                }
            }

            queue.Enqueue(branch.Source);
        }
    }

    /// <summary>Scans a block backwards from <paramref name="from"/>; true when a touching operation was found.</summary>
    private static bool Scan(BasicBlock block, int from, Func<IOperation, bool> touches, SearchResult result)
    {
        for (int i = from; i >= 0; i--)
        {
            IOperation? op = TopLevel(block, i);
            if (op is not null && touches(op))
            {
                result.Hits.Add(op);
                return true;
            }
        }

        return false;
    }

    private static IOperation? TopLevel(BasicBlock block, int index) =>
        index < block.Operations.Length ? block.Operations[index] : index == block.Operations.Length ? block.BranchValue : null;

    private void CollectLocals(ControlFlowRegion region)
    {
        foreach (ILocalSymbol local in region.Locals)
        {
            _declared.Add(local);
        }

        foreach (ControlFlowRegion nested in region.NestedRegions)
        {
            CollectLocals(nested);
        }
    }

    public static IEnumerable<IOperation> DescendantsAndSelf(IOperation operation)
    {
        var stack = new Stack<IOperation>();
        stack.Push(operation);
        while (stack.Count > 0)
        {
            IOperation current = stack.Pop();
            yield return current;
            foreach (IOperation child in current.ChildOperations)
            {
                stack.Push(child);
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="analyze"/> over the graph of every executable body in the block and of every lambda and
    /// local function inside it, with the set of variables no graph may track. Bodies with no operation that
    /// <paramref name="relevant"/> accepts are skipped before any graph is built.
    /// </summary>
    public static void ForEachGraph(OperationBlockAnalysisContext context, Func<IOperation, bool> relevant, Action<FlowGraph> analyze)
    {
        foreach (IOperation block in context.OperationBlocks)
        {
            if (!DescendantsAndSelf(block).Any(relevant))
            {
                continue;
            }

            ControlFlowGraph? graph;
            try
            {
                graph = block.Kind is OperationKind.MethodBody or OperationKind.ConstructorBody or OperationKind.Block
                    or OperationKind.FieldInitializer or OperationKind.PropertyInitializer
                    ? context.GetControlFlowGraph(block)
                    : null;
            }
            catch (ArgumentException)
            {
                graph = null;
            }

            if (graph is null)
            {
                continue;
            }

            var parameters = context.OwningSymbol is IMethodSymbol method ? method.Parameters : System.Collections.Immutable.ImmutableArray<IParameterSymbol>.Empty;
            var graphs = new List<(ControlFlowGraph Graph, IEnumerable<IParameterSymbol> Parameters)>();
            Collect(graph, parameters, graphs, context.CancellationToken);
            var untrackable = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
            var prepared = graphs.Select(g => new FlowGraph(g.Graph, g.Parameters, untrackable)).ToList();
            foreach (FlowGraph flow in prepared)
            {
                flow.MarkUntrackable();
            }

            foreach (FlowGraph flow in prepared)
            {
                analyze(flow);
            }
        }
    }

    private static void Collect(ControlFlowGraph graph, IEnumerable<IParameterSymbol> parameters, List<(ControlFlowGraph, IEnumerable<IParameterSymbol>)> graphs, System.Threading.CancellationToken cancellation)
    {
        if (graphs.Count > 256)
        {
            return;
        }

        graphs.Add((graph, parameters));
        foreach (IMethodSymbol local in graph.LocalFunctions)
        {
            Collect(graph.GetLocalFunctionControlFlowGraph(local, cancellation), local.Parameters, graphs, cancellation);
        }

        foreach (BasicBlock block in graph.Blocks)
        {
            foreach (IOperation top in block.Operations.Concat(block.BranchValue is null ? Enumerable.Empty<IOperation>() : new[] { block.BranchValue }))
            {
                foreach (IFlowAnonymousFunctionOperation lambda in DescendantsAndSelf(top).OfType<IFlowAnonymousFunctionOperation>())
                {
                    Collect(graph.GetAnonymousFunctionControlFlowGraph(lambda, cancellation), lambda.Symbol.Parameters, graphs, cancellation);
                }
            }
        }
    }

    /// <summary>Marks what this graph uses of another graph's variables (captures) and what it aliases by reference.</summary>
    private void MarkUntrackable()
    {
        foreach (IOperation op in Operations)
        {
            ISymbol? symbol = op switch
            {
                ILocalReferenceOperation l => l.Local,
                IParameterReferenceOperation p => p.Parameter,
                _ => null,
            };
            if (symbol is not null && !IsDeclaredHere(symbol))
            {
                Untrackable.Add(symbol);
            }

            switch (op)
            {
                case IAddressOfOperation address when Referenced(address.Reference) is { } taken:
                    Untrackable.Add(taken);
                    break;
                case ISimpleAssignmentOperation { IsRef: true } refAssignment when Referenced(refAssignment.Value) is { } aliased:
                    Untrackable.Add(aliased);
                    break;
                case IVariableDeclaratorOperation { Symbol.IsRef: true, Initializer: { } init } when Referenced(init.Value) is { } aliased2:
                    Untrackable.Add(aliased2);
                    break;
            }
        }
    }

    private static ISymbol? Referenced(IOperation? operation) => operation switch
    {
        ILocalReferenceOperation l => l.Local,
        IParameterReferenceOperation p => p.Parameter,
        IArrayElementReferenceOperation a => Referenced(a.ArrayReference),
        IConversionOperation c => Referenced(c.Operand),
        _ => null,
    };
}

/// <summary>The nearest touching operations on the paths back from a point.</summary>
internal sealed class SearchResult
{
    public List<IOperation> Hits { get; } = new();

    /// <summary>Some path reached the start of the graph without a touching operation.</summary>
    public bool ReachedEntry { get; set; }

    /// <summary>Some path came from a place whose history is not visible (a handler, unreachable code, a cut-off search).</summary>
    public bool ReachedUnknownStart { get; set; }
}
