using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace LossGen.Generator.Analyzers;

/// <summary>What a value provably holds. Only a proof counts: anything unsure is <see cref="Unknown"/>.</summary>
internal enum ValueKind
{
    /// <summary>Nothing is known (the analyzers stay silent).</summary>
    Unknown = 0,

    /// <summary>No content yet: a fresh allocation, null, a declaration without a value. Ignored when paths meet.</summary>
    Neutral = 1,

    /// <summary>The output of softmax, softmin or sigmoid.</summary>
    Probabilities = 2,

    /// <summary>The output of log_softmax, log_sigmoid, or the log of probabilities.</summary>
    LogProbabilities = 3,
}

/// <summary>Where a value came from: its kind, and for a fix, the producing call and its input.</summary>
internal sealed class Origin
{
    public static readonly Origin Unknown = new(ValueKind.Unknown);
    public static readonly Origin Neutral = new(ValueKind.Neutral);

    public Origin(ValueKind kind) => Kind = kind;

    public ValueKind Kind { get; private set; }

    /// <summary>How the user spelled the producer, for messages: <c>torch.softmax</c>, <c>TensorPrimitives.SoftMax</c>.</summary>
    public string Producer { get; set; } = string.Empty;

    /// <summary><c>softmax</c>, <c>softmin</c>, <c>sigmoid</c>, <c>log_softmax</c>, <c>log_sigmoid</c> or <c>log</c>.</summary>
    public string Family { get; set; } = string.Empty;

    /// <summary>The producer's input (the logits), when the producer takes one tensor.</summary>
    public IOperation? Input { get; set; }

    /// <summary>The class dimension argument of a softmax, and its dtype argument if given.</summary>
    public IOperation? Dim { get; set; }

    public IOperation? DType { get; set; }

    /// <summary>The producer is a module (<c>nn.Softmax</c>): its dimension is not visible here.</summary>
    public bool FromModule { get; set; }

    /// <summary>Reached through a value-preserving call (<c>.to(device)</c>, <c>.view(...)</c>): no fix is offered.</summary>
    public bool Wrapped { get; set; }

    /// <summary>Passed through clamp/clip on the way (a deliberate guard before a log).</summary>
    public bool Clamped { get; set; }

    /// <summary>Reached through a local variable rather than written inside the argument itself.</summary>
    public bool ViaLocal { get; set; }

    /// <summary>More than one definition reaches: a fix would have to choose.</summary>
    public bool Several { get; set; }

    public bool IsProof => Kind is ValueKind.Probabilities or ValueKind.LogProbabilities;

    public Origin With(bool? wrapped = null, bool? clamped = null, bool? viaLocal = null)
    {
        var copy = (Origin)MemberwiseClone();
        copy.Wrapped |= wrapped ?? false;
        copy.Clamped |= clamped ?? false;
        copy.ViaLocal |= viaLocal ?? false;
        return copy;
    }

    /// <summary>
    /// Where several definitions meet: fresh allocations are ignored; the kind stands only if every other definition
    /// proves the same kind.
    /// </summary>
    public static Origin Meet(IEnumerable<Origin> origins)
    {
        var real = new List<Origin>();
        foreach (Origin origin in origins)
        {
            if (origin.Kind == ValueKind.Unknown)
            {
                return Unknown;
            }

            if (origin.Kind != ValueKind.Neutral)
            {
                real.Add(origin);
            }
        }

        if (real.Count == 0)
        {
            return Neutral;
        }

        Origin first = real[0];
        if (real.Any(o => o.Kind != first.Kind))
        {
            return Unknown;
        }

        if (real.Count == 1)
        {
            return first;
        }

        Origin met = first.With();
        met.Several = true;
        met.Clamped = real.Any(o => o.Clamped);
        met.Wrapped = real.Any(o => o.Wrapped);
        if (real.Any(o => o.Family != first.Family))
        {
            met.Family = first.Kind == ValueKind.Probabilities ? "softmax or sigmoid" : first.Family;
        }

        return met;
    }

    public static IOperation Strip(IOperation operation)
    {
        while (true)
        {
            switch (operation)
            {
                case IConversionOperation conversion:
                    operation = conversion.Operand;
                    break;
                case IParenthesizedOperation parenthesized:
                    operation = parenthesized.Operand;
                    break;
                default:
                    return operation;
            }
        }
    }

    public static ISymbol? Variable(IOperation operation) => Strip(operation) switch
    {
        ILocalReferenceOperation local => local.Local,
        IParameterReferenceOperation parameter => parameter.Parameter,
        _ => null,
    };

    /// <summary>The argument bound to the parameter at <paramref name="ordinal"/>, if one was written.</summary>
    public static IOperation? Argument(IInvocationOperation invocation, int ordinal)
    {
        foreach (IArgumentOperation argument in invocation.Arguments)
        {
            if (argument.Parameter?.Ordinal == ordinal && argument.ArgumentKind != ArgumentKind.DefaultValue)
            {
                return argument.Value;
            }
        }

        return null;
    }
}
