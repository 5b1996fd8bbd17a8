using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using LossGen.Generator.Ir;
using LossGen.Generator.Model;
using LossGen.Generator.Syntax;

namespace LossGen.Generator.Semantics;

/// <summary>
/// A tensor input the expression may name, and how it is laid out. <see cref="Name"/> is the compiler's name (x for the
/// first prediction, t for class indices); the expression spells it <see cref="Shown"/>.
/// </summary>
internal sealed record InputSpec(string Name, InputLayout Layout, bool Differentiable, string? Public = null)
{
    public string Shown => Public ?? Name;
}

/// <summary>The bound loss: its graph, the per-position loss and, for <c>mean_by</c>, the weight of Mean's denominator.</summary>
internal sealed record BoundLoss(Graph Graph, Node Loss, Node? MeanWeight, bool UsesTarget, IReadOnlyList<string> InputsUsed, IReadOnlyList<string> ParametersUsed);

/// <summary>
/// Resolves names (locals, hyper-parameters, inputs, functions), checks arity and the shape rules of docs/dsl.md,
/// warns about numerically fragile forms, and lowers the syntax tree to the hash-consed graph.
/// </summary>
internal sealed class Binder
{
    /// <summary>The inputs of a <c>[Loss]</c> expression.</summary>
    public static readonly IReadOnlyList<InputSpec> DslInputs = new[]
    {
        new InputSpec("x", InputLayout.LikeX, true),
        new InputSpec("y", InputLayout.LikeX, true),
        new InputSpec("w", InputLayout.PerClass, false),
    };

    public const string Target = "t";

    /// <summary>
    /// Errors (and, separately, warnings) reported per expression. Past it binding stops: the first errors are the useful
    /// ones, and a generated expression with 100,000 bad definitions must not cost 100,000 suggestions and locations.
    /// </summary>
    public const int MaxDiagnostics = 100;

    private int _errors;
    private int _warnings;

    private readonly Graph _graph = new();
    private readonly List<DslDiagnostic> _diagnostics;
    private readonly IReadOnlyList<InputSpec> _inputs;
    private readonly HashSet<string> _parameters;
    private readonly Dictionary<string, (Node Node, Expr Syntax)> _locals = new();
    private readonly HashSet<string> _usedInputs = new();
    private readonly HashSet<string> _usedParameters = new();
    private bool _usesTarget;
    private bool _failed;

    private readonly string _text;

    /// <summary>How the expression spells the class-index target: t, or the name a [LossTensor] gave it.</summary>
    private readonly string _target;

    /// <summary>How the expression spells the first prediction (x unless named).</summary>
    private readonly string _prediction;

    private Binder(string text, IReadOnlyList<InputSpec> inputs, IEnumerable<string> parameters, List<DslDiagnostic> diagnostics)
    {
        _text = text;
        _target = inputs.FirstOrDefault(i => i.Name == Target)?.Shown ?? Target;
        _prediction = inputs.FirstOrDefault(i => i.Name == "x")?.Shown ?? "x";
        _inputs = inputs.Where(i => i.Name != Target).ToList();
        _parameters = new HashSet<string>(parameters);
        _diagnostics = diagnostics;
    }

    public static BoundLoss? Bind(string text, LossProgram program, IReadOnlyList<InputSpec> inputs, IEnumerable<string> parameters, List<DslDiagnostic> diagnostics)
    {
        var binder = new Binder(text, inputs, parameters, diagnostics);
        return binder.BindProgram(program);
    }

    private BoundLoss? BindProgram(LossProgram program)
    {
        foreach (LocalDefinition local in program.Locals)
        {
            if (_errors >= MaxDiagnostics)
            {
                return null;
            }

            if (_locals.ContainsKey(local.Name) || IsReserved(local.Name))
            {
                Report(DiagnosticIds.DuplicateName, local.NameSpan, local.Name, _locals.ContainsKey(local.Name) ? "a definition above" : "an input, hyper-parameter or function");
                continue;
            }

            Node value = BindValue(local.Value);
            _locals[local.Name] = (value, local.Value);
        }

        Node loss;
        Node? meanWeight = null;
        if (program.Body is CallExpr { Name: "mean_by" } root)
        {
            if (root.Arguments.Count != 2)
            {
                Report(DiagnosticIds.WrongArity, root.NameSpan, "mean_by", "2", root.Arguments.Count.ToString(CultureInfo.InvariantCulture));
                return null;
            }

            loss = BindValue(root.Arguments[0]);
            meanWeight = BindValue(root.Arguments[1]);
            if (!_failed && DependsOnDifferentiable(meanWeight))
            {
                Report(DiagnosticIds.MisplacedMeanBy, root.Arguments[1].Span, "the weight of mean_by must not depend on x or y");
            }
            else if (!_failed && meanWeight.Shape == Shape.Class)
            {
                Report(DiagnosticIds.MisplacedMeanBy, root.Arguments[1].Span, "the weight of mean_by must have one value per position (row-shaped), like w[t]");
            }
            else if (!_failed && loss.Shape == Shape.Class)
            {
                Report(DiagnosticIds.MisplacedMeanBy, root.Arguments[0].Span, "mean_by weighs per-position losses; this loss is elementwise (class-shaped)");
            }
        }
        else
        {
            loss = BindValue(program.Body);
        }

        if (_failed)
        {
            return null;
        }

        if (!Walk.DependsOn(loss, n => n.Op == Op.Input && n.Name == "x"))
        {
            Report(DiagnosticIds.NoDependenceOnX, program.Body.Span, _prediction);
            return null;
        }

        if (_graph.TooLarge)
        {
            Report(DiagnosticIds.TooComplex, program.Body.Span, "the expression grows past " + Graph.MaxNodes.ToString(CultureInfo.InvariantCulture) + " operations or " + Graph.MaxDepth.ToString(CultureInfo.InvariantCulture) + " levels");
            return null;
        }

        return new BoundLoss(_graph, loss, meanWeight, _usesTarget, _usedInputs.OrderBy(n => n).ToList(), _usedParameters.OrderBy(n => n).ToList());
    }

    private bool DependsOnDifferentiable(Node node)
    {
        var names = new HashSet<string>(_inputs.Where(i => i.Differentiable).Select(i => i.Name));
        return Walk.DependsOn(node, n => n.Op == Op.Input && names.Contains(n.Name));
    }

    private bool IsReserved(string name) =>
        name == _target || _parameters.Contains(name) || _inputs.Any(i => i.Shown == name) || Functions.Callable.Any(f => f.Name == name);

    private Node BindValue(Expr expr)
    {
        switch (expr)
        {
            case NumberExpr number:
                if (double.IsInfinity(number.Value) || double.IsNaN(number.Value))
                {
                    Report(DiagnosticIds.NonFiniteConstant, number.Span, Text(number));
                    return _graph.Zero;
                }

                return _graph.Const(number.Value);

            case NameExpr name:
                return BindName(name);

            case NegateExpr negate:
                return _graph.Neg(BindValue(negate.Operand));

            case BinaryExpr { IsComparison: true } comparison:
                Report(DiagnosticIds.MisplacedComparison, comparison.OperatorSpan, Text(comparison), "a comparison is a condition: it may only be written as the first argument of where, as in where(" + Text(comparison) + ", a, b)");
                return _graph.Zero;

            case BinaryExpr binary:
            {
                Node left = BindValue(binary.Left);
                Node right = BindValue(binary.Right);
                Function f = binary.Op switch
                {
                    BinaryOp.Add => Functions.Add,
                    BinaryOp.Subtract => Functions.Subtract,
                    BinaryOp.Multiply => Functions.Multiply,
                    BinaryOp.Divide => Functions.Divide,
                    _ => Functions.Power,
                };
                return _graph.Call(f, left, right);
            }

            case PickExpr pick:
            {
                if (pick.IndexName != _target)
                {
                    Report(DiagnosticIds.UnknownName, pick.IndexSpan, pick.IndexName, " (only the class-index target '" + _target + "' may stand in '[ ]')");
                    return _graph.Zero;
                }

                Node target = BindValue(pick.Target);
                _usesTarget = true;
                if (target.Shape != Shape.Class && !_failed)
                {
                    Report(DiagnosticIds.PickOfRow, pick.Span, Describe(pick.Target));
                    return _graph.Zero;
                }

                return _graph.Pick(target);
            }

            case CallExpr call:
                return BindCall(call);
        }

        return _graph.Zero;
    }

    /// <summary>where's first argument: a comparison written in place, 1 where it holds and 0 elsewhere.</summary>
    private Node BindCondition(Expr expr)
    {
        if (expr is not BinaryExpr { IsComparison: true } comparison)
        {
            Report(DiagnosticIds.MisplacedComparison, expr.Span, Text(expr), "the first argument of where must be a comparison (a < b, a <= b, a > b, a >= b, a == b or a != b), written in place");
            return _graph.Zero;
        }

        // The class index itself may be compared, with == or != against a constant: where(t == 0, a, b).
        bool equality = comparison.Op is BinaryOp.Equal or BinaryOp.NotEqual;
        Node left = equality && IsTargetAgainstConstant(comparison.Left, comparison.Right) ? TargetValue() : BindValue(comparison.Left);
        Node right = equality && IsTargetAgainstConstant(comparison.Right, comparison.Left) ? TargetValue() : BindValue(comparison.Right);
        return _graph.Call(Functions.Comparisons[comparison.Op - BinaryOp.Less], left, right);
    }

    private bool IsTargetAgainstConstant(Expr side, Expr other) =>
        side is NameExpr name && name.Name == _target && !_locals.ContainsKey(name.Name) && other is NumberExpr or NegateExpr { Operand: NumberExpr };

    /// <summary>The class index of each position as a number (row-shaped), for a comparison with a constant.</summary>
    private Node TargetValue()
    {
        _usesTarget = true;
        return _graph.Input(Target, Shape.Row);
    }

    private Node BindName(NameExpr name)
    {
        if (_locals.TryGetValue(name.Name, out var local))
        {
            return local.Node;
        }

        if (_parameters.Contains(name.Name))
        {
            _usedParameters.Add(name.Name);
            return _graph.Param(name.Name);
        }

        InputSpec? input = _inputs.FirstOrDefault(i => i.Shown == name.Name);
        if (input is not null)
        {
            _usedInputs.Add(input.Name);
            return _graph.Input(input.Name, input.Layout == InputLayout.PerRow ? Shape.Row : Shape.Class);
        }

        if (name.Name == _target)
        {
            Report(DiagnosticIds.TargetAsValue, name.Span, _target);
            return _graph.Zero;
        }

        if (_errors >= MaxDiagnostics)
        {
            Report(DiagnosticIds.UnknownName, name.Span, name.Name, string.Empty);
            return _graph.Zero;
        }

        IEnumerable<string> candidates = _locals.Keys.Concat(_parameters).Concat(_inputs.Select(i => i.Shown)).Append(_target);
        string? suggestion = Suggestions.Closest(name.Name, candidates);
        if (suggestion is null && Functions.Lookup(name.Name).Count > 0)
        {
            Report(DiagnosticIds.UnknownName, name.Span, name.Name, " ('" + name.Name + "' is a function: call it with arguments)");
        }
        else
        {
            Report(DiagnosticIds.UnknownName, name.Span, name.Name, suggestion is null ? string.Empty : " (did you mean '" + suggestion + "'?)");
        }

        return _graph.Zero;
    }

    private Node BindCall(CallExpr call)
    {
        IReadOnlyList<Function> candidates = Functions.Lookup(call.Name);
        if (candidates.Count == 0)
        {
            if (_errors >= MaxDiagnostics)
            {
                Report(DiagnosticIds.UnknownFunction, call.NameSpan, call.Name, string.Empty);
                return _graph.Zero;
            }

            string? suggestion = Suggestions.Closest(call.Name, Functions.Callable.Select(f => f.Name).Distinct());
            Report(DiagnosticIds.UnknownFunction, call.NameSpan, call.Name, suggestion is null ? string.Empty : " (did you mean '" + suggestion + "'?)");
            return _graph.Zero;
        }

        Function? f = candidates.FirstOrDefault(c => c.Arity == call.Arguments.Count);
        if (f is null)
        {
            string arities = string.Join(" or ", candidates.Select(c => c.Arity.ToString(CultureInfo.InvariantCulture)));
            Report(DiagnosticIds.WrongArity, call.NameSpan, call.Name, arities, call.Arguments.Count.ToString(CultureInfo.InvariantCulture));
            return _graph.Zero;
        }

        if (f.Kind == FunctionKind.Root)
        {
            Report(DiagnosticIds.MisplacedMeanBy, call.NameSpan, "mean_by may only be the whole loss");
            return _graph.Zero;
        }

        if (f.Kind == FunctionKind.Target)
        {
            if (call.Arguments[0] is NameExpr target && target.Name == _target)
            {
                _usesTarget = true;
                return _graph.OneHot();
            }

            Report(DiagnosticIds.Syntax, call.Arguments[0].Span, "one_hot takes the class-index target '" + _target + "'");
            return _graph.Zero;
        }

        CheckFragile(call, f);
        var args = new Node[call.Arguments.Count];
        for (int i = 0; i < args.Length; i++)
        {
            args[i] = i == 0 && f == Functions.Where ? BindCondition(call.Arguments[0]) : BindValue(call.Arguments[i]);
        }

        bool overClasses = f.Kind == FunctionKind.Reduction || f.Kind == FunctionKind.Composite;
        if (overClasses && args[0].Shape != Shape.Class && !_failed)
        {
            Report(DiagnosticIds.ClassFunctionOfRow, call.Span, call.Name, Describe(call.Arguments[0]));
            return _graph.Zero;
        }

        return _graph.Call(f, args);
    }

    /// <summary>
    /// Warnings where the math is fragile: a call the function's row says has a stable spelling (log of softmax or
    /// sigmoid), log(1 + exp(e)), and two normalisations over the class axis in a row.
    /// </summary>
    private void CheckFragile(CallExpr call, Function f)
    {
        Expr argument = Resolve(call.Arguments[0]);
        if (argument is CallExpr { Arguments.Count: 1 } inner)
        {
            foreach (FragileCall fragile in f.Fragile)
            {
                if (inner.Name == fragile.Inner)
                {
                    string fix = fragile.Better + "(" + Text(inner.Arguments[0]) + ")";
                    WarnWithFix(fragile.DiagnosticId, call.Span, fix, fix);
                    return;
                }
            }

            if (f.Normalizes && Functions.Lookup(inner.Name).Any(g => g.Normalizes && g.Arity == 1))
            {
                CheckNormalizedTwice(call, f, inner);
            }
        }
        else if (f == Functions.Log && argument is BinaryExpr { Op: BinaryOp.Add } sum && OnePlusExp(sum, out Expr? exponent))
        {
            string fix = Functions.Softplus.Name + "(" + Text(exponent!) + ")";
            WarnWithFix(DiagnosticIds.LogOnePlusExp, call.Span, fix, fix);
        }
    }

    /// <summary>
    /// softmax(softmax(z)), softmax(log_softmax(z)) and log_softmax(softmax(z)): the fix normalises once, on the inner
    /// argument (log_softmax(log_softmax(z)) is exact: log-probabilities are already normalised).
    /// </summary>
    private void CheckNormalizedTwice(CallExpr call, Function f, CallExpr inner)
    {
        bool innerIsProbabilities = inner.Name == Functions.Softmax.Name;
        if (!innerIsProbabilities && f != Functions.Softmax)
        {
            return;
        }

        bool logOfProbabilities = f == Functions.LogSoftmax && innerIsProbabilities;
        string fix = logOfProbabilities ? Functions.Log.Name + "(" + Text(inner) + ")" : f.Name + "(" + Text(inner.Arguments[0]) + ")";
        string advice = innerIsProbabilities ? f.Name + "(" + Text(inner.Arguments[0]) + ") on the logits" : fix;
        WarnWithFix(DiagnosticIds.SoftmaxTwice, call.Span, f.Name + "(" + Text(inner.Arguments[0]) + ")", call.Name, inner.Name, advice);
    }

    private bool OnePlusExp(BinaryExpr sum, out Expr? inner)
    {
        inner = null;
        Expr left = Resolve(sum.Left);
        Expr right = Resolve(sum.Right);
        if (left is NumberExpr { Value: 1 } && right is CallExpr { Name: "exp", Arguments.Count: 1 } e1)
        {
            inner = e1.Arguments[0];
        }
        else if (right is NumberExpr { Value: 1 } && left is CallExpr { Name: "exp", Arguments.Count: 1 } e2)
        {
            inner = e2.Arguments[0];
        }

        return inner is not null;
    }

    /// <summary>Looks through a local's name to its definition.</summary>
    private Expr Resolve(Expr expr)
    {
        int guard = 0;
        while (expr is NameExpr name && _locals.TryGetValue(name.Name, out var local) && guard++ < 1000)
        {
            expr = local.Syntax;
        }

        return expr;
    }

    private string Text(Expr expr) =>
        expr.Span.End <= _text.Length ? _text.Substring(expr.Span.Start, expr.Span.Length) : "…";

    private string Describe(Expr expr) => "'" + Text(expr) + "'";

    private void Report(string id, Span span, params string[] args)
    {
        _failed = true;
        if (_errors++ < MaxDiagnostics)
        {
            _diagnostics.Add(new DslDiagnostic(id, span, args));
        }
    }

    private void Warn(string id, Span span, params string[] args) => WarnWithFix(id, span, null, args);

    /// <summary>A warning whose code fix (if any) replaces <paramref name="span"/> with <paramref name="replacement"/>.</summary>
    private void WarnWithFix(string id, Span span, string? replacement, params string[] args)
    {
        if (_warnings++ < MaxDiagnostics)
        {
            _diagnostics.Add(new DslDiagnostic(id, span, args) { Replacement = replacement });
        }
    }
}
