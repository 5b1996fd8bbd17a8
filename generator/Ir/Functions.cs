using System;
using System.Collections.Generic;
using System.Linq;

namespace LossGen.Generator.Ir;

/// <summary>
/// The one table of functions. Adding a function (say <c>log_cosh</c>) is adding one row here: the parser, binder,
/// shape rules, differentiation, emission and docs/dsl.md all read it.
/// </summary>
internal static class Functions
{
    // Helpers that derivative rules and lowerings produce; not part of the language.
    public static readonly Function Sign = new("sign", 1, FunctionKind.Elementwise, "-1, 0 or 1") { Vector = "VectorOps.Sign({0})", UserVisible = false, CSharp = "Ops.Sign({0})" };

    public static readonly Function Step = new("step", 1, FunctionKind.Elementwise, "1 where a > 0, else 0") { Vector = "VectorOps.Step({0})", UserVisible = false, CSharp = "Ops.Step({0})" };

    public static readonly Function SmallerGrad = new("smaller", 2, FunctionKind.Elementwise, "1 where a < b, 0.5 where a == b, else 0") { Vector = "VectorOps.SmallerGrad({0}, {1})", UserVisible = false, CSharp = "Ops.SmallerGrad({0}, {1})" };

    public static readonly Function LessThan = new("less", 2, FunctionKind.Elementwise, "1 where a < b, else 0") { Vector = "VectorOps.Less({0}, {1})", UserVisible = false, CSharp = "Ops.Less({0}, {1})" };

    public static readonly Function Equal = new("equal", 2, FunctionKind.Elementwise, "1 where a == b, else 0") { Vector = "VectorOps.Equal({0}, {1})", UserVisible = false, CSharp = "Ops.Equal({0}, {1})" };

    public static readonly Function ClampGrad = new("inside", 3, FunctionKind.Elementwise, "1 where lo <= a <= hi, else 0") { Vector = "VectorOps.Inside({0}, {1}, {2})", UserVisible = false, CSharp = "Ops.Inside({0}, {1}, {2})" };

    public static readonly Function PowBaseGradFn = new("pow_grad", 2, FunctionKind.Elementwise, "n * a^(n - 1), 0 where n == 0") { UserVisible = false, CSharp = "Ops.PowBaseGrad({0}, {1})" };

    public static readonly Function PowExponentGrad = new("pow_exponent_grad", 3, FunctionKind.Elementwise, "a^n * log(a), 0 where a == 0 and n >= 0") { UserVisible = false, CSharp = "Ops.PowExponentGrad({0}, {1}, {2})" };

    public static readonly Function XLogYGrad = new("xlogy_grad", 2, FunctionKind.Elementwise, "log(b), and 0 where a == 0") { Vector = "VectorOps.XLogYGrad({0}, {1})", UserVisible = false, CSharp = "Ops.XLogYGrad({0}, {1})" };

    public static readonly Function BceGrad = new("bce_grad", 2, FunctionKind.Elementwise, "(p - y) / max(p * (1 - p), 1e-12)") { Vector = "VectorOps.BinaryCrossEntropyGrad({0}, {1})", UserVisible = false, CSharp = "Ops.BinaryCrossEntropyGrad({0}, {1})" };

    public static readonly Function BceTargetGrad = new("bce_target_grad", 1, FunctionKind.Elementwise, "max(log(1 - p), -100) - max(log(p), -100)") { Vector = "VectorOps.BinaryCrossEntropyTargetGrad({0})", UserVisible = false, CSharp = "Ops.BinaryCrossEntropyTargetGrad({0})" };

    public static readonly Function Reciprocal = new("reciprocal", 1, FunctionKind.Elementwise, "1 / a (a row's softmax scale, computed once per row)")
    { Vector = "VectorOps.Reciprocal({0})", UserVisible = false, CSharp = "T.One / {0}", Fold = a => 1 / a[0], Partials = (g, a, r) => new[] { g.Neg(g.Mul(r, r)) } };

    public static readonly Function StirlingGrad = new("stirling_grad", 1, FunctionKind.Elementwise, "log(y) + 0.5 / y where y > 1, else 0") { UserVisible = false, CSharp = "Ops.StirlingGrad({0})" };

    public static readonly Function FiniteOrZero = new("finite_or_zero", 1, FunctionKind.Elementwise, "a where finite, else 0 (the shift of a stable log-sum-exp)") { Vector = "VectorOps.FiniteOrZero({0})", UserVisible = false, CSharp = "Ops.FiniteOrZero({0})" };

    public static readonly Function Add = new("+", 2, FunctionKind.Operator, "addition")
    { Vector = "{0} + {1}",
        Infix = "+", Precedence = 1, CSharp = "{0} + {1}", Fold = a => a[0] + a[1],
        Partials = (g, a, r) => new[] { g.One, g.One },
    };

    public static readonly Function Subtract = new("-", 2, FunctionKind.Operator, "subtraction")
    { Vector = "{0} - {1}",
        Infix = "-", Precedence = 1, CSharp = "{0} - {1}", Fold = a => a[0] - a[1],
        Partials = (g, a, r) => new[] { g.One, g.Const(-1) },
    };

    public static readonly Function Multiply = new("*", 2, FunctionKind.Operator, "multiplication")
    { Vector = "{0} * {1}",
        Infix = "*", Precedence = 2, CSharp = "{0} * {1}", Fold = a => a[0] * a[1],
        Partials = (g, a, r) => new[] { a[1], a[0] },
    };

    public static readonly Function Divide = new("/", 2, FunctionKind.Operator, "division")
    { Vector = "{0} / {1}",
        Infix = "/", Precedence = 2, CSharp = "{0} / {1}", Fold = a => a[0] / a[1],
        Partials = (g, a, r) => new[] { g.Div(g.One, a[1]), g.Neg(g.Div(r, a[1])) },
    };

    public static readonly Function Negate = new("neg", 1, FunctionKind.Operator, "unary minus")
    { Vector = "-{0}",
        Infix = "-", Precedence = 3, CSharp = "-{0}", Fold = a => -a[0],
        Partials = (g, a, r) => new[] { g.Const(-1) },
    };

    public static readonly Function Power = new("^", 2, FunctionKind.Operator, "power (right-associative); the gradient is 0 where the exponent is 0, and the exponent's gradient is 0 where the base is 0")
    {
        Infix = "^", Precedence = 4, CSharp = "T.Pow({0}, {1})", Fold = a => Math.Pow(a[0], a[1]),
        Partials = (g, a, r) => new[] { g.PowBaseGrad(a[0], a[1]), g.Call(PowExponentGrad, a[0], a[1], r) },
    };

    public static readonly Function Exp = new("exp", 1, FunctionKind.Elementwise, "e to the power of the argument")
    { Vector = "VectorMath.Exp({0})",
        CSharp = "VectorMath.Exp({0})", Fold = a => Math.Exp(a[0]), Partials = (g, a, r) => new[] { r },
    };

    public static readonly Function Log = new("log", 1, FunctionKind.Elementwise, "natural logarithm")
    { Vector = "VectorMath.Log({0})",
        CSharp = "VectorMath.Log({0})", Fold = a => Math.Log(a[0]), Partials = (g, a, r) => new[] { g.Div(g.One, a[0]) },
    };

    public static readonly Function Log1p = new("log1p", 1, FunctionKind.Elementwise, "log(1 + a), accurate near 0")
    { Vector = "VectorOps.Log1p({0})",
        CSharp = "Ops.Log1p({0})", Partials = (g, a, r) => new[] { g.Div(g.One, g.Add(g.One, a[0])) },
    };

    public static readonly Function Expm1 = new("expm1", 1, FunctionKind.Elementwise, "exp(a) - 1, accurate near 0")
    {
        CSharp = "Ops.Expm1({0})", Partials = (g, a, r) => new[] { g.Add(r, g.One) },
    };

    public static readonly Function Sqrt = new("sqrt", 1, FunctionKind.Elementwise, "square root")
    { Vector = "Vector256.Sqrt({0})",
        CSharp = "T.Sqrt({0})", Fold = a => Math.Sqrt(a[0]), Partials = (g, a, r) => new[] { g.Div(g.Const(0.5), r) },
    };

    public static readonly Function Abs = new("abs", 1, FunctionKind.Elementwise, "absolute value; abs'(0) = 0 as in PyTorch")
    { Vector = "Vector256.Abs({0})",
        CSharp = "T.Abs({0})", Fold = a => Math.Abs(a[0]), Partials = (g, a, r) => new[] { g.Call(Sign, a[0]) },
    };

    public static readonly Function Square = new("square", 1, FunctionKind.Elementwise, "a * a")
    { Vector = "{0} * {0}",
        CSharp = "{0} * {0}", Fold = a => a[0] * a[0], Partials = (g, a, r) => new[] { g.Mul(g.Const(2), a[0]) },
    };

    public static readonly Function Sigmoid = new("sigmoid", 1, FunctionKind.Elementwise, "1 / (1 + exp(-a))")
    { Vector = "VectorOps.Sigmoid({0})",
        CSharp = "Ops.Sigmoid({0})", Partials = (g, a, r) => new[] { g.Mul(r, g.Sub(g.One, r)) },
    };

    public static readonly Function LogSigmoid = new("log_sigmoid", 1, FunctionKind.Elementwise, "log(sigmoid(a)), stable for every a")
    { Vector = "VectorOps.LogSigmoid({0})",
        CSharp = "Ops.LogSigmoid({0})", Partials = (g, a, r) => new[] { g.Call(Sigmoid, g.Neg(a[0])) },
    };

    public static readonly Function Softplus = new("softplus", 1, FunctionKind.Elementwise, "log(1 + exp(a)), stable for every a")
    { Vector = "VectorOps.Softplus({0})",
        CSharp = "Ops.Softplus({0})", Partials = (g, a, r) => new[] { g.Call(Sigmoid, a[0]) },
    };

    public static readonly Function Relu = new("relu", 1, FunctionKind.Elementwise, "max(a, 0); relu'(0) = 0 as in PyTorch")
    { Vector = "VectorOps.Relu({0})",
        CSharp = "Ops.Relu({0})", Fold = a => a[0] > 0 ? a[0] : 0, Partials = (g, a, r) => new[] { g.Call(Step, a[0]) },
    };

    public static readonly Function Tanh = new("tanh", 1, FunctionKind.Elementwise, "hyperbolic tangent")
    {
        CSharp = "T.Tanh({0})", Fold = a => Math.Tanh(a[0]), Partials = (g, a, r) => new[] { g.Sub(g.One, g.Call(Square, r)) },
    };

    public static readonly Function Min2 = new("min", 2, FunctionKind.Elementwise, "the smaller of a and b; ties split the gradient evenly, as torch.minimum")
    { Vector = "Vector256.Min({0}, {1})",
        CSharp = "T.Min({0}, {1})", Fold = a => Math.Min(a[0], a[1]),
        Partials = (g, a, r) => new[] { g.Call(SmallerGrad, a[0], a[1]), g.Call(SmallerGrad, a[1], a[0]) },
    };

    public static readonly Function Max2 = new("max", 2, FunctionKind.Elementwise, "the larger of a and b; ties split the gradient evenly, as torch.maximum")
    { Vector = "Vector256.Max({0}, {1})",
        CSharp = "T.Max({0}, {1})", Fold = a => Math.Max(a[0], a[1]),
        Partials = (g, a, r) => new[] { g.Call(SmallerGrad, a[1], a[0]), g.Call(SmallerGrad, a[0], a[1]) },
    };

    public static readonly Function Clamp = new("clamp", 3, FunctionKind.Elementwise, "min(max(a, lo), hi); the gradient passes at the bounds, as torch.clamp; with crossed bounds (lo > hi) the result is hi and only hi gets the gradient")
    {
        Vector = "VectorOps.Clamp({0}, {1}, {2})",
        CSharp = "Ops.Clamp({0}, {1}, {2})",
        // As torch.clamp's backward: a where lo <= a <= hi; lo where a < lo < hi; hi where a > hi or hi < lo.
        Partials = (g, a, r) => new[]
        {
            g.Call(ClampGrad, a[0], a[1], a[2]),
            g.Mul(g.Call(LessThan, a[0], a[1]), g.Call(LessThan, a[1], a[2])),
            g.Call(Max2, g.Call(LessThan, a[2], a[0]), g.Call(LessThan, a[2], a[1])),
        },
    };

    public static readonly Function XLogY = new("xlogy", 2, FunctionKind.Elementwise, "a * log(b), and 0 where a == 0 (torch.xlogy: KL divergence at zero targets)")
    { Vector = "VectorOps.XLogY({0}, {1})",
        CSharp = "Ops.XLogY({0}, {1})",
        Partials = (g, a, r) => new[] { g.Call(XLogYGrad, a[0], a[1]), g.Div(a[0], a[1]) },
    };

    public static readonly Function Bce = new("bce", 2, FunctionKind.Elementwise, "binary cross entropy of a probability p against a target y, each log clamped at -100; gradient (p - y) / max(p * (1 - p), 1e-12), both as torch.binary_cross_entropy")
    { Vector = "VectorOps.BinaryCrossEntropy({0}, {1})",
        CSharp = "Ops.BinaryCrossEntropy({0}, {1})",
        Partials = (g, a, r) => new[] { g.Call(BceGrad, a[0], a[1]), g.Call(BceTargetGrad, a[0]) },
    };

    public static readonly Function Stirling = new("stirling", 1, FunctionKind.Elementwise, "y * log(y) - y + 0.5 * log(2 * pi * y) where y > 1, else 0: Stirling's term of torch.poisson_nll_loss(full=True)")
    {
        CSharp = "Ops.Stirling({0})",
        Partials = (g, a, r) => new[] { g.Call(StirlingGrad, a[0]) },
    };

    public static readonly Function Sum = new("sum", 1, FunctionKind.Reduction, "sum over the class axis")
    {
        Reduce = ReduceKind.Sum, Partials = (g, a, r) => new[] { g.One },
    };

    public static readonly Function MaxReduce = new("max", 1, FunctionKind.Reduction, "largest entry over the class axis; ties share the gradient evenly, as torch.amax")
    {
        Reduce = ReduceKind.Max, Partials = (g, a, r) => new[] { g.TieShare(a[0], r) },
    };

    /// <summary>
    /// The shift of a lowered log-sum-exp: a max over the class axis whose NaN handling may be the hardware's (a NaN
    /// entry makes the sum of exponentials NaN whatever the shift is), so vector code uses the one-instruction max.
    /// </summary>
    public static readonly Function ShiftMax = new("max", 1, FunctionKind.Reduction, "largest entry over the class axis, for the shift of a log-sum-exp")
    {
        Reduce = ReduceKind.Max, UserVisible = false, Partials = (g, a, r) => new[] { g.TieShare(a[0], r) },
    };

    public static readonly Function MinReduce = new("min", 1, FunctionKind.Reduction, "smallest entry over the class axis; ties share the gradient evenly, as torch.amin")
    {
        Reduce = ReduceKind.Min, Partials = (g, a, r) => new[] { g.TieShare(a[0], r) },
    };

    public static readonly Function LogSumExp = new("logsumexp", 1, FunctionKind.Reduction, "log(sum(exp(e))) over the class axis, computed with the maximum subtracted")
    {
        Reduce = ReduceKind.LogSumExp, Partials = (g, a, r) => new[] { g.Call(Exp, g.Sub(a[0], r)) },
    };

    public static readonly Function Softmax = new("softmax", 1, FunctionKind.Composite, "exp(e - logsumexp(e)): probabilities over the class axis")
    {
        Expand = (g, a) => g.Call(Exp, g.Sub(a[0], g.Call(LogSumExp, a[0]))),
    };

    public static readonly Function LogSoftmax = new("log_softmax", 1, FunctionKind.Composite, "e - logsumexp(e): log-probabilities over the class axis")
    {
        Expand = (g, a) => g.Sub(a[0], g.Call(LogSumExp, a[0])),
    };

    public static readonly Function Mean = new("mean", 1, FunctionKind.Composite, "sum(e) / C over the class axis")
    {
        Expand = (g, a) => g.Div(g.Call(Sum, a[0]), g.ClassCount),
    };

    public static readonly Function OneHot = new("one_hot", 1, FunctionKind.Target, "one_hot(t): 1 at class t, 0 elsewhere (class-shaped)");

    public static readonly Function MeanBy = new("mean_by", 2, FunctionKind.Root, "mean_by(L, v), only as the whole loss: the loss at each position is L, and Reduction.Mean divides by the sum of v over the counted positions instead of their count (PyTorch's class-weighted mean: v = w[t]); Sum and None ignore v");

    public static readonly IReadOnlyList<Function> All = new[]
    {
        Add, Subtract, Multiply, Divide, Negate, Power,
        Exp, Log, Log1p, Expm1, Sqrt, Abs, Square, Sigmoid, LogSigmoid, Softplus, Relu, Tanh, Min2, Max2, Clamp, XLogY, Bce, Stirling,
        Softmax, LogSoftmax, LogSumExp, Sum, Mean, MaxReduce, MinReduce,
        OneHot, MeanBy,
        Sign, Step, SmallerGrad, LessThan, Equal, ClampGrad, PowBaseGradFn, PowExponentGrad, FiniteOrZero, XLogYGrad, BceGrad, BceTargetGrad, StirlingGrad, Reciprocal, ShiftMax,
    };

    /// <summary>The functions a user may call by name, with every arity each name has.</summary>
    public static IEnumerable<Function> Callable => All.Where(f => f.UserVisible && f.Kind != FunctionKind.Operator);

    public static IReadOnlyList<Function> Lookup(string name) => Callable.Where(f => f.Name == name).ToList();
}
