using System.ComponentModel;

namespace LossGen.Internal;

/// <summary>
/// Whether a generated gradient kernel also computes the loss: one kernel serves <c>Backward</c> and
/// <c>ForwardBackward</c>, taking one of the structs of <see cref="KernelOutputs"/> as a type argument. The JIT compiles
/// the kernel once per struct and, the flag being a constant there, drops the loss's code from <c>Backward</c>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IKernelOutputs
{
    /// <summary>Whether the kernel computes the loss (the returned total, or the loss tensor).</summary>
    static abstract bool Loss { get; }
}

/// <summary>The choices of <see cref="IKernelOutputs"/>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class KernelOutputs
{
    /// <summary>The gradients only (<c>Backward</c>).</summary>
    public readonly struct Gradient : IKernelOutputs
    {
        /// <summary>False: the kernel skips the loss.</summary>
        public static bool Loss => false;
    }

    /// <summary>The loss and the gradients (<c>ForwardBackward</c>).</summary>
    public readonly struct LossAndGradient : IKernelOutputs
    {
        /// <summary>True: the kernel computes the loss too.</summary>
        public static bool Loss => true;
    }
}
