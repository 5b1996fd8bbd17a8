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
    // First: the static initialisers below run in the order of the text, and each row adds itself here.
    private static readonly List<Function> s_rows = new();

    // Helpers that derivative rules and lowerings produce; not part of the language.
    public static readonly Function Sign = Row(new("sign", 1, FunctionKind.Elementwise, "-1, 0 or 1") { Vector = "{V}.Sign({0})", UserVisible = false, CSharp = "Ops.Sign({0})" });

    public static readonly Function Step = Row(new("step", 1, FunctionKind.Elementwise, "1 where a > 0, else 0") { Vector = "{V}.Step({0})", UserVisible = false, CSharp = "Ops.Step({0})" });

    public static readonly Function SmallerGrad = Row(new("smaller", 2, FunctionKind.Elementwise, "1 where a < b, 0.5 where a == b, else 0") { Vector = "{V}.SmallerGrad({0}, {1})", UserVisible = false, CSharp = "Ops.SmallerGrad({0}, {1})" });

    public static readonly Function LessThan = Row(new("less", 2, FunctionKind.Elementwise, "1 where a < b, else 0") { Vector = "{V}.Less({0}, {1})", UserVisible = false, CSharp = "Ops.Less({0}, {1})" });

    public static readonly Function Equal = Row(new("equal", 2, FunctionKind.Elementwise, "1 where a == b, else 0") { Vector = "{V}.Equal({0}, {1})", UserVisible = false, CSharp = "Ops.Equal({0}, {1})" });

    public static readonly Function ClampGrad = Row(new("inside", 3, FunctionKind.Elementwise, "1 where lo <= a <= hi, else 0") { Vector = "{V}.Inside({0}, {1}, {2})", UserVisible = false, CSharp = "Ops.Inside({0}, {1}, {2})" });

    public static readonly Function PowBaseGradFn = Row(new("pow_grad", 2, FunctionKind.Elementwise, "n * a^(n - 1), 0 where n == 0") { UserVisible = false, CSharp = "Ops.PowBaseGrad({0}, {1})" });

    public static readonly Function PowExponentGrad = Row(new("pow_exponent_grad", 3, FunctionKind.Elementwise, "a^n * log(a), 0 where a == 0 and n >= 0") { UserVisible = false, CSharp = "Ops.PowExponentGrad({0}, {1}, {2})" });

    public static readonly Function XLogYGrad = Row(new("xlogy_grad", 2, FunctionKind.Elementwise, "log(b), and 0 where a == 0") { Costly = true, Vector = "{V}.XLogYGrad({0}, {1})", UserVisible = false, CSharp = "Ops.XLogYGrad({0}, {1})" });

    public static readonly Function BceGrad = Row(new("bce_grad", 2, FunctionKind.Elementwise, "(p - y) / max(p * (1 - p), 1e-12)") { Costly = true, Vector = "{V}.BinaryCrossEntropyGrad({0}, {1})", UserVisible = false, CSharp = "Ops.BinaryCrossEntropyGrad({0}, {1})" });

    public static readonly Function BceTargetGrad = Row(new("bce_target_grad", 1, FunctionKind.Elementwise, "max(log(1 - p), -100) - max(log(p), -100)") { Costly = true, Vector = "{V}.BinaryCrossEntropyTargetGrad({0})", UserVisible = false, CSharp = "Ops.BinaryCrossEntropyTargetGrad({0})" });

    public static readonly Function Reciprocal = Row(new("reciprocal", 1, FunctionKind.Elementwise, "1 / a (a row's softmax scale, computed once per row)")
    { Vector = "{V}.Reciprocal({0})", UserVisible = false, CSharp = "T.One / {0}", Fold = a => 1 / a[0], Partials = (g, a, r) => new[] { g.Neg(g.Mul(r, r)) } });

    public static readonly Function StirlingGrad = Row(new("stirling_grad", 1, FunctionKind.Elementwise, "log(y) + 0.5 / y where y > 1, else 0") { UserVisible = false, CSharp = "Ops.StirlingGrad({0})" });

    public static readonly Function FiniteOrZero = Row(new("finite_or_zero", 1, FunctionKind.Elementwise, "a where finite, else 0 (the shift of a stable log-sum-exp)") { Vector = "{V}.FiniteOrZero({0})", UserVisible = false, CSharp = "Ops.FiniteOrZero({0})" });

    /// <summary>
    /// The shift of a lowered log-sum-exp: a max over the class axis whose NaN handling may be the hardware's (a NaN
    /// entry makes the sum of exponentials NaN whatever the shift is), so vector code uses the one-instruction max.
    /// </summary>
    public static readonly Function ShiftMax = Row(new("max", 1, FunctionKind.Reduction, "largest entry over the class axis, for the shift of a log-sum-exp")
    {
        Reduce = ReduceKind.Max, UserVisible = false, Partials = (g, a, r) => new[] { g.TieShare(a[0], r) },
    });

    // The language.
    public static readonly Function Add = Row(new("+", 2, FunctionKind.Operator, "addition")
    { Use = ArgumentUse.Linear, Vector = "{V}.Add({0}, {1})",
        Infix = "+", Stem = "add", Precedence = 1, CSharp = "{0} + {1}", Fold = a => a[0] + a[1],
        Partials = (g, a, r) => new[] { g.One, g.One },
    });

    public static readonly Function Subtract = Row(new("-", 2, FunctionKind.Operator, "subtraction")
    { Use = ArgumentUse.Linear, Vector = "{V}.Subtract({0}, {1})",
        Infix = "-", Stem = "diff", Precedence = 1, CSharp = "{0} - {1}", Fold = a => a[0] - a[1],
        Partials = (g, a, r) => new[] { g.One, g.Const(-1) },
    });

    public static readonly Function Multiply = Row(new("*", 2, FunctionKind.Operator, "multiplication")
    { Use = ArgumentUse.Linear, Vector = "{V}.Multiply({0}, {1})",
        Infix = "*", Stem = "prod", Precedence = 2, CSharp = "{0} * {1}", Fold = a => a[0] * a[1],
        Partials = (g, a, r) => new[] { a[1], a[0] },
    });

    public static readonly Function Divide = Row(new("/", 2, FunctionKind.Operator, "division")
    { Use = ArgumentUse.Linear, Vector = "{V}.Divide({0}, {1})",
        Infix = "/", Stem = "ratio", Precedence = 2, CSharp = "{0} / {1}", Fold = a => a[0] / a[1],
        Partials = (g, a, r) => new[] { g.Div(g.One, a[1]), g.Neg(g.Div(r, a[1])) },
    });

    public static readonly Function Negate = Row(new("neg", 1, FunctionKind.Operator, "unary minus")
    { Use = ArgumentUse.Linear, Vector = "{V}.Negate({0})",
        Infix = "-", Precedence = 3, CSharp = "-{0}", Fold = a => -a[0],
        Partials = (g, a, r) => new[] { g.Const(-1) },
    });

    public static readonly Function Power = Row(new("^", 2, FunctionKind.Operator, "power (right-associative); the gradient is 0 where the exponent is 0, and the exponent's gradient is 0 where the base is 0")
    {
        Infix = "^", Stem = "pow", Precedence = 4, CSharp = "T.Pow({0}, {1})", Fold = a => Math.Pow(a[0], a[1]),
        Partials = (g, a, r) => new[] { g.PowBaseGrad(a[0], a[1]), g.Call(PowExponentGrad, a[0], a[1], r) },
    });

    public static readonly Function Exp = Row(new("exp", 1, FunctionKind.Elementwise, "e to the power of `a`")
    { GradientDoc = "`exp(a)`", Costly = true, Vector = "{V}.Exp({0})",
        CSharp = "VectorMath.Exp({0})", Fold = a => Math.Exp(a[0]), Partials = (g, a, r) => new[] { r },
    });

    public static readonly Function Log = Row(new("log", 1, FunctionKind.Elementwise, "natural logarithm")
    { GradientDoc = "`1/a`", Costly = true, Use = ArgumentUse.Probabilities, Fragile = new[] { new FragileCall("softmax", DiagnosticIds.LogOfSoftmax, "log_softmax"), new FragileCall("sigmoid", DiagnosticIds.LogOfSigmoid, "log_sigmoid") }, Vector = "{V}.Log({0})",
        CSharp = "VectorMath.Log({0})", Fold = a => Math.Log(a[0]), Partials = (g, a, r) => new[] { g.Div(g.One, a[0]) },
    });

    public static readonly Function Log1p = Row(new("log1p", 1, FunctionKind.Elementwise, "`log(1 + a)`, accurate near 0")
    { GradientDoc = "`1/(1 + a)`", Costly = true, Use = ArgumentUse.Probabilities, Vector = "{V}.Log1p({0})",
        CSharp = "Ops.Log1p({0})", Partials = (g, a, r) => new[] { g.Div(g.One, g.Add(g.One, a[0])) },
    });

    public static readonly Function Expm1 = Row(new("expm1", 1, FunctionKind.Elementwise, "`exp(a) - 1`, accurate near 0")
    { GradientDoc = "`exp(a)`",
        CSharp = "Ops.Expm1({0})", Partials = (g, a, r) => new[] { g.Add(r, g.One) },
    });

    public static readonly Function Sqrt = Row(new("sqrt", 1, FunctionKind.Elementwise, "square root")
    { GradientDoc = "`0.5/sqrt(a)`", Vector = "{V}.Sqrt({0})",
        CSharp = "T.Sqrt({0})", Fold = a => Math.Sqrt(a[0]), Partials = (g, a, r) => new[] { g.Div(g.Const(0.5), r) },
    });

    public static readonly Function Abs = Row(new("abs", 1, FunctionKind.Elementwise, "absolute value")
    { GradientDoc = "`-1`, `0` or `1`: **0 at `a = 0`**, as PyTorch", Vector = "{V}.Abs({0})",
        CSharp = "T.Abs({0})", Fold = a => Math.Abs(a[0]), Partials = (g, a, r) => new[] { g.Call(Sign, a[0]) },
    });

    public static readonly Function Square = Row(new("square", 1, FunctionKind.Elementwise, "`a * a`")
    { GradientDoc = "`2a`", Vector = "{V}.Multiply({0}, {0})",
        CSharp = "{0} * {0}", Fold = a => a[0] * a[0], Partials = (g, a, r) => new[] { g.Mul(g.Const(2), a[0]) },
    });

    public static readonly Function Sigmoid = Row(new("sigmoid", 1, FunctionKind.Elementwise, "`1 / (1 + exp(-a))`, stable for every `a`")
    { GradientDoc = "`sigmoid(a) * (1 - sigmoid(a))`", Costly = true, Use = ArgumentUse.Logits, Vector = "{V}.Sigmoid({0})",
        CSharp = "Ops.Sigmoid({0})", Partials = (g, a, r) => new[] { g.Mul(r, g.Sub(g.One, r)) },
    });

    public static readonly Function LogSigmoid = Row(new("log_sigmoid", 1, FunctionKind.Elementwise, "`log(sigmoid(a))`, stable for every `a`")
    { GradientDoc = "`sigmoid(-a)`", Costly = true, Use = ArgumentUse.Logits, Vector = "{V}.LogSigmoid({0})",
        CSharp = "Ops.LogSigmoid({0})", Partials = (g, a, r) => new[] { g.Call(Sigmoid, g.Neg(a[0])) },
    });

    public static readonly Function Softplus = Row(new("softplus", 1, FunctionKind.Elementwise, "`log(1 + exp(a))`, stable for every `a`")
    { GradientDoc = "`sigmoid(a)`", Costly = true, Use = ArgumentUse.Logits, Vector = "{V}.Softplus({0})",
        CSharp = "Ops.Softplus({0})", Partials = (g, a, r) => new[] { g.Call(Sigmoid, a[0]) },
    });

    public static readonly Function Detach = Row(new("detach", 1, FunctionKind.Elementwise, "`a`, with no gradient through it (PyTorch's `.detach()`): `v + detach(max(v, eps) - v)` is `max(v, eps)` with the gradient of `v`")
    { GradientDoc = "`0`", Use = ArgumentUse.Linear, Vector = "{0}", CSharp = "{0}", Fold = a => a[0],
        Partials = (g, a, r) => new[] { g.Zero },
    });

    public static readonly Function Relu = Row(new("relu", 1, FunctionKind.Elementwise, "`max(a, 0)`")
    { GradientDoc = "1 where `a > 0`, else 0: **0 at `a = 0`**, as PyTorch", Vector = "{V}.Relu({0})",
        CSharp = "Ops.Relu({0})", Fold = a => a[0] > 0 ? a[0] : 0, Partials = (g, a, r) => new[] { g.Call(Step, a[0]) },
    });

    public static readonly Function Tanh = Row(new("tanh", 1, FunctionKind.Elementwise, "hyperbolic tangent")
    { GradientDoc = "`1 - tanh(a)^2`", Costly = true, Vector = "{V}.Tanh({0})",
        CSharp = "T.Tanh({0})", Fold = a => Math.Tanh(a[0]), Partials = (g, a, r) => new[] { g.Sub(g.One, g.Call(Square, r)) },
    });

    public static readonly Function LogCosh = Row(new("log_cosh", 1, FunctionKind.Elementwise, "`log(cosh(a))`, finite for every finite `a` (where `cosh(a)` itself overflows, past 710)")
    { GradientDoc = "`tanh(a)`", Costly = true, Vector = "{V}.LogCosh({0})",
        CSharp = "Ops.LogCosh({0})", Partials = (g, a, r) => new[] { g.Call(Tanh, a[0]) },
    });

    public static readonly Function Hinge = Row(new("hinge", 1, FunctionKind.Elementwise, "`max(0, 1 - a)`, the margin term of `torch.hinge_embedding_loss`")
    { GradientDoc = "-1 where `a <= 1`, else 0: **-1 at the kink `a = 1`**, as `torch.clamp_min(1 - a, 0)`",
        Vector = "{V}.Relu({V}.Subtract({V}.One, {0}))", CSharp = "Ops.Relu(T.One - {0})", Fold = a => a[0] < 1 ? 1 - a[0] : a[0] >= 1 ? 0 : a[0],
        Partials = (g, a, r) => new[] { g.Sub(g.Call(LessThan, g.One, a[0]), g.One) },
    });

    public static readonly Function Min2 = Row(new("min", 2, FunctionKind.Elementwise, "the smaller of `a` and `b`")
    { GradientDoc = "1 to the smaller; **a tie gives 0.5 to each**, as `torch.minimum`", Vector = "{V}.Min({0}, {1})",
        CSharp = "T.Min({0}, {1})", Fold = a => Math.Min(a[0], a[1]),
        Partials = (g, a, r) => new[] { g.Call(SmallerGrad, a[0], a[1]), g.Call(SmallerGrad, a[1], a[0]) },
    });

    public static readonly Function Max2 = Row(new("max", 2, FunctionKind.Elementwise, "the larger of `a` and `b`")
    { GradientDoc = "1 to the larger; **a tie gives 0.5 to each**, as `torch.maximum`", Vector = "{V}.Max({0}, {1})",
        CSharp = "T.Max({0}, {1})", Fold = a => Math.Max(a[0], a[1]),
        Partials = (g, a, r) => new[] { g.Call(SmallerGrad, a[1], a[0]), g.Call(SmallerGrad, a[0], a[1]) },
    });

    public static readonly Function Clamp = Row(new("clamp", 3, FunctionKind.Elementwise, "`min(max(a, lo), hi)`")
    { GradientDoc = "in `a`: 1 where `lo <= a <= hi` (**passes at the bounds**, as `torch.clamp`), else 0; in `lo`: 1 where `a < lo < hi`; in `hi`: 1 where `a > hi`, or where the bounds cross (`lo > hi`: the result is `hi`), as `torch.clamp`", Parameters = new[] { "a", "lo", "hi" },
        Vector = "{V}.Clamp({0}, {1}, {2})",
        CSharp = "Ops.Clamp({0}, {1}, {2})",
        // As torch.clamp's backward: a where lo <= a <= hi; lo where a < lo < hi; hi where a > hi or hi < lo.
        Partials = (g, a, r) => new[]
        {
            g.Call(ClampGrad, a[0], a[1], a[2]),
            g.Mul(g.Call(LessThan, a[0], a[1]), g.Call(LessThan, a[1], a[2])),
            g.Call(Max2, g.Call(LessThan, a[2], a[0]), g.Call(LessThan, a[2], a[1])),
        },
    });

    // Comparisons: conditions, 1 where they hold and 0 elsewhere, written only as where's first argument (the binder's
    // rule). NaN compares false, except with != (true), as IEEE and torch.
    public static readonly Function Less = Row(Comparison("<", "less", "{V}.Less({0}, {1})", "({0} < {1} ? T.One : T.Zero)", (a, b) => a < b));

    public static readonly Function LessEqual = Row(Comparison("<=", "atMost", "{V}.LessOrEqual({0}, {1})", "({0} <= {1} ? T.One : T.Zero)", (a, b) => a <= b));

    public static readonly Function Greater = Row(Comparison(">", "greater", "{V}.Less({1}, {0})", "({0} > {1} ? T.One : T.Zero)", (a, b) => a > b));

    public static readonly Function GreaterEqual = Row(Comparison(">=", "atLeast", "{V}.LessOrEqual({1}, {0})", "({0} >= {1} ? T.One : T.Zero)", (a, b) => a >= b));

    public static readonly Function EqualTo = Row(Comparison("==", "equal", "{V}.Equal({0}, {1})", "({0} == {1} ? T.One : T.Zero)", (a, b) => a == b));

    public static readonly Function NotEqual = Row(Comparison("!=", "notEqual", "{V}.NotEqual({0}, {1})", "({0} != {1} ? T.One : T.Zero)", (a, b) => a != b));

    public static readonly Function Where = Row(new("where", 3, FunctionKind.Elementwise, "`a` where the comparison `cond` holds, else `b`, as `torch.where`; `cond` is written in place: `where(x > 0, x, 0.1 * x)`")
    { GradientDoc = "in `a`: 1 where `cond` holds, else 0; in `b`: 0 where `cond` holds, else 1; none in `cond`. The gradient flows through the taken branch only, as `torch.where` (an untaken branch that is not finite still makes the product with its zero NaN, as in PyTorch)",
        Parameters = new[] { "cond", "a", "b" }, Use = ArgumentUse.Linear,
        Vector = "{V}.Where({0}, {1}, {2})", CSharp = "({0} != T.Zero ? {1} : {2})", Fold = a => a[0] != 0 ? a[1] : a[2],
        Simplify = (g, a) => a[0].Op == Op.Const ? (a[0].Value != 0 ? a[1] : a[2]) : a[1] == a[2] ? a[1] : null,
        Partials = (g, a, r) => new[] { g.Zero, a[0], g.Sub(g.One, a[0]) },
    });

    public static readonly Function XLogY = Row(new("xlogy", 2, FunctionKind.Elementwise, "`a * log(b)`, and 0 where `a = 0` (`torch.xlogy`): entropy terms at zero probabilities")
    { GradientDoc = "in `a`: `log(b)`, 0 where `a = 0`; in `b`: `a/b`", Costly = true, Use = ArgumentUse.Probabilities, Vector = "{V}.XLogY({0}, {1})",
        CSharp = "Ops.XLogY({0}, {1})",
        Partials = (g, a, r) => new[] { g.Call(XLogYGrad, a[0], a[1]), g.Div(a[0], a[1]) },
    });

    public static readonly Function Bce = Row(new("bce", 2, FunctionKind.Elementwise, "binary cross entropy of a probability `p` against a target `y`, `-(y*log(p) + (1 - y)*log(1 - p))` with each log clamped at -100, as `torch.binary_cross_entropy`")
    { GradientDoc = "in `p`: `(p - y) / max(p*(1 - p), 1e-12)`, as PyTorch; in `y`: `max(log(1 - p), -100) - max(log(p), -100)`", Costly = true, Use = ArgumentUse.Probabilities, Parameters = new[] { "p", "y" }, Vector = "{V}.BinaryCrossEntropy({0}, {1})",
        CSharp = "Ops.BinaryCrossEntropy({0}, {1})",
        Partials = (g, a, r) => new[] { g.Call(BceGrad, a[0], a[1]), g.Call(BceTargetGrad, a[0]) },
    });

    public static readonly Function Stirling = Row(new("stirling", 1, FunctionKind.Elementwise, "`y*log(y) - y + 0.5*log(2*pi*y)` where `y > 1`, else 0: the Stirling term of `torch.poisson_nll_loss(full=True)`")
    { GradientDoc = "`log(y) + 0.5/y` where `y > 1`, else 0", Parameters = new[] { "y" },
        CSharp = "Ops.Stirling({0})",
        Partials = (g, a, r) => new[] { g.Call(StirlingGrad, a[0]) },
    });

    public static readonly Function LogSumExp = Row(new("logsumexp", 1, FunctionKind.Reduction, "`log(sum(exp(e)))`, computed with the maximum subtracted")
    { GradientDoc = "`softmax(e)`", Costly = true, Use = ArgumentUse.Logits,
        Reduce = ReduceKind.LogSumExp, Partials = (g, a, r) => new[] { g.Call(Exp, g.Sub(a[0], r)) },
    });

    public static readonly Function Softmax = Row(new("softmax", 1, FunctionKind.Composite, "`exp(e - logsumexp(e))`: probabilities over the classes")
    { GradientDoc = "through its definition", Normalizes = true,
        Expand = (g, a) => g.Call(Exp, g.Sub(a[0], g.Call(LogSumExp, a[0]))),
    });

    public static readonly Function LogSoftmax = Row(new("log_softmax", 1, FunctionKind.Composite, "`e - logsumexp(e)`: log-probabilities over the classes")
    { GradientDoc = "through its definition", Normalizes = true,
        Expand = (g, a) => g.Sub(a[0], g.Call(LogSumExp, a[0])),
    });

    public static readonly Function Sum = Row(new("sum", 1, FunctionKind.Reduction, "sum over the classes")
    { GradientDoc = "`1`",
        Reduce = ReduceKind.Sum, Partials = (g, a, r) => new[] { g.One },
    });

    public static readonly Function Mean = Row(new("mean", 1, FunctionKind.Composite, "`sum(e) / C`")
    { GradientDoc = "`1/C`",
        Expand = (g, a) => g.Div(g.Call(Sum, a[0]), g.ClassCount),
    });

    // Norms over the class axis, as torch.linalg.vector_norm over the last axis (and pairwise_distance, which is the norm of
    // a - b + eps): the root's derivative is 0 where the sum is 0, so an all-zero row has gradient 0, as in PyTorch.
    public static readonly Function NormSqrt = Row(new("norm_sqrt", 1, FunctionKind.Elementwise, "sqrt(s), whose derivative is 0 at s = 0")
    { UserVisible = false, Stem = "norm", Vector = "{V}.Sqrt({0})", CSharp = "T.Sqrt({0})", Fold = a => Math.Sqrt(a[0]),
        Partials = (g, a, r) => new[] { g.Call(Where, g.Call(Less, g.Zero, a[0]), g.Div(g.Const(0.5), r), g.Zero) },
    });

    public static readonly Function NormRoot = Row(new("norm_root", 2, FunctionKind.Elementwise, "s^(1/p), whose derivative is 0 at s = 0")
    { UserVisible = false, Stem = "norm", Costly = true, Vector = "{V}.Exp({V}.Divide({V}.Log({0}), {1}))", CSharp = "T.Pow({0}, T.One / {1})", Fold = a => Math.Pow(a[0], 1 / a[1]),
        Partials = (g, a, r) => new[] { g.Call(Where, g.Call(Less, g.Zero, a[0]), g.Div(r, g.Mul(a[1], a[0])), g.Zero), g.Zero },
    });

    public static readonly Function Norm = Row(new("norm", 1, FunctionKind.Composite, "`sqrt(sum(e^2))`: the Euclidean (L2) norm over the classes, as `torch.linalg.vector_norm`")
    { GradientDoc = "`e / norm(e)`, and **0 where the norm is 0**, as PyTorch",
        Expand = (g, a) => g.Call(NormSqrt, g.Call(Sum, g.Mul(a[0], a[0]))),
    });

    public static readonly Function NormP = Row(new("norm", 2, FunctionKind.Composite, "`sum(abs(e)^p)^(1/p)`: the p-norm over the classes (`p` a constant or hyper-parameter, p >= 1); `norm(e, 1)` is `sum(abs(e))`, `norm(e, 2)` is `norm(e)`")
    { GradientDoc = "`sign(e) * abs(e)^(p-1) / norm(e, p)^(p-1)`, and **0 where the norm is 0**, as PyTorch", Parameters = new[] { "e", "p" },
        Expand = (g, a) => a[1] is { Op: Op.Const, Value: 2 } ? g.Call(NormSqrt, g.Call(Sum, g.Mul(a[0], a[0])))
            : a[1] is { Op: Op.Const, Value: 1 } ? g.Call(Sum, g.Call(Abs, a[0]))
            : g.Call(NormRoot, g.Call(Sum, g.Call(Power, g.Call(Abs, a[0]), a[1])), a[1]),
    });

    public static readonly Function MaxReduce = Row(new("max", 1, FunctionKind.Reduction, "largest entry")
    { GradientDoc = "1 to the largest; **ties share it evenly**, as `torch.amax`",
        Reduce = ReduceKind.Max, Partials = (g, a, r) => new[] { g.TieShare(a[0], r) },
    });

    public static readonly Function MinReduce = Row(new("min", 1, FunctionKind.Reduction, "smallest entry")
    { GradientDoc = "1 to the smallest; **ties share it evenly**, as `torch.amin`",
        Reduce = ReduceKind.Min, Partials = (g, a, r) => new[] { g.TieShare(a[0], r) },
    });

    public static readonly Function OneHot = Row(new("one_hot", 1, FunctionKind.Target, "one_hot(t): 1 at class t, 0 elsewhere (class-shaped)"));

    public static readonly Function MeanBy = Row(new("mean_by", 2, FunctionKind.Root, "mean_by(L, v), only as the whole loss: the loss at each position is L, and Reduction.Mean divides by the sum of v over the counted positions instead of their count (PyTorch's class-weighted mean: v = w[t]); Sum and None ignore v"));

    /// <summary>Every row, in the order of this file (the docs list the user-visible ones in this order).</summary>
    public static IReadOnlyList<Function> All => s_rows;

    /// <summary>The functions a user may call by name, with every arity each name has.</summary>
    public static IEnumerable<Function> Callable => All.Where(f => f.UserVisible && f.Kind != FunctionKind.Operator);

    public static IReadOnlyList<Function> Lookup(string name) => Callable.Where(f => f.Name == name).ToList();

    /// <summary>A comparison operator: 1 where it holds, else 0, with no gradient.</summary>
    private static Function Comparison(string infix, string stem, string vector, string csharp, Func<double, double, bool> holds) =>
        new(infix, 2, FunctionKind.Operator, "1 where `a " + infix + " b` holds, else 0 (a condition: where's first argument)")
        {
            Infix = infix, Stem = stem, Precedence = 0, Vector = vector, CSharp = csharp, Fold = a => holds(a[0], a[1]) ? 1 : 0,
            Partials = (g, a, r) => new[] { g.Zero, g.Zero },
        };

    /// <summary>The comparisons, in the order of <c>BinaryOp.Less</c> .. <c>BinaryOp.NotEqual</c>.</summary>
    public static readonly IReadOnlyList<Function> Comparisons = new[] { Less, LessEqual, Greater, GreaterEqual, EqualTo, NotEqual };

    private static Function Row(Function row)
    {
        s_rows.Add(row);
        return row;
    }
}
