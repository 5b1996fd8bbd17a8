using System;

namespace LossGen;

/// <summary>How the per-position losses are combined into the value a loss returns.</summary>
public enum Reduction
{
    /// <summary>No reduction: one loss value per position (per sample for class losses, per element for elementwise ones).</summary>
    None = 0,
    /// <summary>The mean over the positions that count (ignored positions are left out; class-weighted losses divide by the sum of the weights).</summary>
    Mean = 1,
    /// <summary>The sum over all positions.</summary>
    Sum = 2,
    /// <summary>The sum divided by the size of axis 0 of <c>x</c> (PyTorch's <c>batchmean</c>).</summary>
    BatchMean = 3,
}

/// <summary>What the target of a canned classification loss holds.</summary>
public enum TargetKind
{
    /// <summary>Integer class indices <c>t</c>, one per position.</summary>
    ClassIndices = 0,
    /// <summary>Class probabilities <c>y</c>, with <c>x</c>'s shape.</summary>
    Probabilities = 1,
}

/// <summary>
/// Declares a loss written in the LossGen expression language on a <c>static partial class</c>.
/// The generator emits <c>Forward</c>, <c>Backward</c> and <c>ForwardBackward</c> for <see cref="float"/> and <see cref="double"/>,
/// with the gradient derived symbolically at compile time.
/// </summary>
/// <example><code>[Loss("-sum(y * log_softmax(x))")] public static partial class DenseCrossEntropy;</code></example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class LossAttribute : Attribute
{
    /// <summary>Declares a loss.</summary>
    /// <param name="expression">The loss, for example <c>logsumexp(x) - x[t]</c>. See docs/dsl.md.</param>
    public LossAttribute(string expression) => Expression = expression;

    /// <summary>The loss expression.</summary>
    public string Expression { get; }

    /// <summary>How per-position losses are reduced. Default <see cref="Reduction.Mean"/>.</summary>
    public Reduction Reduction { get; set; } = Reduction.Mean;

    /// <summary>0: the class count is read from the input. &gt;0: kernels are specialised for that count and other inputs are rejected.</summary>
    public int Classes { get; set; }

    /// <summary>
    /// The axis of <c>x</c> holding the classes when its rank is at least 2 (default 1, PyTorch's layout); -1 is the last
    /// axis; <see cref="AllButBatch"/> makes every axis after the first one class axis.
    /// </summary>
    public int ClassAxis { get; set; } = 1;

    /// <summary>
    /// <c>ClassAxis = LossAttribute.AllButBatch</c>: every axis after the first is the class axis, so functions over the
    /// class axis reduce over all of a sample (a Dice score over every pixel of a mask [N, H, W]). Those axes must be laid
    /// out as one, as in a dense tensor; nothing is copied.
    /// </summary>
    public const int AllButBatch = -2;

    /// <summary>A class id whose positions add no loss, get zero gradient and are not counted by <see cref="Reduction.Mean"/>. Unset: nothing is ignored.</summary>
    public int IgnoreIndex { get; set; }
}

/// <summary>Declares a scalar hyper-parameter of a <see cref="LossAttribute"/> expression; it becomes an optional parameter of every generated method.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LossParameterAttribute : Attribute
{
    /// <summary>Declares a hyper-parameter.</summary>
    /// <param name="name">Its name in the expression.</param>
    /// <param name="defaultValue">Its default value.</param>
    public LossParameterAttribute(string name, double defaultValue)
    {
        Name = name;
        DefaultValue = defaultValue;
    }

    /// <summary>The name used in the expression.</summary>
    public string Name { get; }

    /// <summary>The default value of the generated optional parameter.</summary>
    public double DefaultValue { get; }
}

/// <summary>What a tensor declared with <see cref="LossTensorAttribute"/> is to the loss.</summary>
public enum TensorRole
{
    /// <summary>A prediction: the loss is differentiated with respect to it, and it gets a gradient output <c>d&lt;name&gt;</c>.</summary>
    Prediction = 0,
    /// <summary>A target or other data the loss reads but is not differentiated with respect to.</summary>
    Target = 1,
    /// <summary>A weight: read, never differentiated (as <see cref="Target"/>; named apart for the reader).</summary>
    Weight = 2,
    /// <summary>Class indices (<c>int</c> or <c>long</c>), one per position: the loss picks a class with <c>e[name]</c>. At most one.</summary>
    ClassIndices = 3,
}

/// <summary>The shape of a tensor declared with <see cref="LossTensorAttribute"/>, relative to the loss's first prediction.</summary>
public enum TensorShape
{
    /// <summary>The shape of the first prediction.</summary>
    LikePrediction = 0,
    /// <summary>One value per position: the first prediction's shape without the class axis (the shape of class indices).</summary>
    PerPosition = 1,
    /// <summary>One value per class: a vector of length C.</summary>
    PerClass = 2,
}

/// <summary>
/// Declares a named tensor input of a <see cref="LossAttribute"/> expression. With at least one declaration, the loss takes
/// exactly the declared tensors, in declaration order, instead of <c>x</c>, <c>y</c>, <c>t</c> and <c>w</c>; the first
/// <see cref="TensorRole.Prediction"/> sets the shape the others are relative to and the class axis. Every prediction gets a
/// gradient output named <c>d</c> followed by its name. See docs/dsl.md, "Named inputs".
/// </summary>
/// <example><code>
/// [Loss("relu(norm(anchor - positive) - norm(anchor - negative) + margin)", ClassAxis = -1)]
/// [LossTensor("anchor")]
/// [LossTensor("positive")]
/// [LossTensor("negative")]
/// [LossParameter("margin", 1.0)]
/// public static partial class Triplet;
/// </code></example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LossTensorAttribute : Attribute
{
    /// <summary>Declares a tensor input.</summary>
    /// <param name="name">Its name in the expression and in the generated methods.</param>
    /// <param name="role">What it is to the loss. Default <see cref="TensorRole.Prediction"/>.</param>
    public LossTensorAttribute(string name, TensorRole role = TensorRole.Prediction)
    {
        Name = name;
        Role = role;
    }

    /// <summary>The name used in the expression and the generated methods.</summary>
    public string Name { get; }

    /// <summary>What the tensor is to the loss.</summary>
    public TensorRole Role { get; }

    /// <summary>Its shape relative to the first prediction. Default <see cref="TensorShape.LikePrediction"/>; class indices are always <see cref="TensorShape.PerPosition"/>.</summary>
    public TensorShape Shape { get; set; } = TensorShape.LikePrediction;

    /// <summary>What a prediction holds, for the analyzers (softmax output passed as logits...). Unset: inferred from the expression.</summary>
    public InputKind Kind { get; set; } = (InputKind)(-1);
}

/// <summary>What a loss expects in its prediction input <c>x</c>; recorded by the generator for the analyzers.</summary>
public enum InputKind
{
    /// <summary>Plain values (regression predictions, rates...).</summary>
    Values = 0,
    /// <summary>Unnormalised scores: the loss applies softmax, log-sum-exp, sigmoid or softplus itself.</summary>
    Logits = 1,
    /// <summary>Probabilities in [0, 1]: the loss takes their log.</summary>
    Probabilities = 2,
    /// <summary>Log-probabilities (the output of log_softmax).</summary>
    LogProbabilities = 3,
}

/// <summary>
/// Put by the generator on the <c>x</c> parameter of every generated method: what the loss expects there. The LossGen
/// analyzers read it to flag, for example, softmax output passed where logits belong.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class LossInputAttribute : Attribute
{
    /// <summary>Records the kind of input.</summary>
    public LossInputAttribute(InputKind kind) => Kind = kind;

    /// <summary>What the loss expects.</summary>
    public InputKind Kind { get; }
}
