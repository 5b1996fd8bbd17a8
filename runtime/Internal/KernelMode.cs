using System.ComponentModel;

namespace LossGen.Internal;

/// <summary>What a generated kernel computes; implemented by empty structs so the JIT folds every test away.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IKernelMode
{
    /// <summary>The loss is computed (returned, or written to the loss tensor for Reduction.None).</summary>
    static abstract bool Loss { get; }

    /// <summary>dx is written.</summary>
    static abstract bool Dx { get; }

    /// <summary>dy is written.</summary>
    static abstract bool Dy { get; }
}

/// <summary>Forward only.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public struct ForwardMode : IKernelMode
{
    /// <inheritdoc/>
    public static bool Loss => true;
    /// <inheritdoc/>
    public static bool Dx => false;
    /// <inheritdoc/>
    public static bool Dy => false;
}

/// <summary>Backward: dx only.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public struct BackwardMode : IKernelMode
{
    /// <inheritdoc/>
    public static bool Loss => false;
    /// <inheritdoc/>
    public static bool Dx => true;
    /// <inheritdoc/>
    public static bool Dy => false;
}

/// <summary>Backward: dx and dy.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public struct BackwardWithTargetMode : IKernelMode
{
    /// <inheritdoc/>
    public static bool Loss => false;
    /// <inheritdoc/>
    public static bool Dx => true;
    /// <inheritdoc/>
    public static bool Dy => true;
}

/// <summary>Forward and backward: loss and dx.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public struct ForwardBackwardMode : IKernelMode
{
    /// <inheritdoc/>
    public static bool Loss => true;
    /// <inheritdoc/>
    public static bool Dx => true;
    /// <inheritdoc/>
    public static bool Dy => false;
}

/// <summary>Forward and backward: loss, dx and dy.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public struct ForwardBackwardWithTargetMode : IKernelMode
{
    /// <inheritdoc/>
    public static bool Loss => true;
    /// <inheritdoc/>
    public static bool Dx => true;
    /// <inheritdoc/>
    public static bool Dy => true;
}
