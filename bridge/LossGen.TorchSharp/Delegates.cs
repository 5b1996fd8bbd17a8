using System.Numerics.Tensors;

namespace LossGen;

// The shapes of the generated methods that the bridge calls. A generated method group converts to them
// directly (CrossEntropy.ForwardBackward); a loss with hyper-parameters is wrapped in a lambda
// ((x, t, dx, g) => Focal.ForwardBackward(x, t, dx, g, gamma: 1.5f)).
// Class-index targets are int64 tensors in TorchSharp, hence ReadOnlyTensorSpan<long> (the generated long overloads).

public static partial class TorchLoss
{
    // ---- Reduction Mean, Sum, BatchMean: x and class indices t --------------------------------------------------

    /// <summary><c>T Forward(x, t)</c> of a reduced loss over class indices.</summary>
    public delegate T ClassIndexForward<T>(ReadOnlyTensorSpan<T> x, ReadOnlyTensorSpan<long> t);
    /// <summary><c>void Backward(x, t, dx, dloss)</c> of a reduced loss over class indices.</summary>
    public delegate void ClassIndexBackward<T>(ReadOnlyTensorSpan<T> x, ReadOnlyTensorSpan<long> t, TensorSpan<T> dx, T dloss);
    /// <summary><c>T ForwardBackward(x, t, dx, dloss)</c> of a reduced loss over class indices.</summary>
    public delegate T ClassIndexForwardBackward<T>(ReadOnlyTensorSpan<T> x, ReadOnlyTensorSpan<long> t, TensorSpan<T> dx, T dloss);

    // ---- Reduction Mean, Sum, BatchMean: x, class indices t, weights w ----------------------------------------

    /// <summary><c>T Forward(x, t, w)</c> of a reduced, weighted loss over class indices.</summary>
    public delegate T WeightedClassIndexForward<T>(ReadOnlyTensorSpan<T> x, ReadOnlyTensorSpan<long> t, ReadOnlyTensorSpan<T> w);
    /// <summary><c>void Backward(x, t, w, dx, dloss)</c> of a reduced, weighted loss over class indices.</summary>
    public delegate void WeightedClassIndexBackward<T>(ReadOnlyTensorSpan<T> x, ReadOnlyTensorSpan<long> t, ReadOnlyTensorSpan<T> w, TensorSpan<T> dx, T dloss);
    /// <summary><c>T ForwardBackward(x, t, w, dx, dloss)</c> of a reduced, weighted loss over class indices.</summary>
    public delegate T WeightedClassIndexForwardBackward<T>(ReadOnlyTensorSpan<T> x, ReadOnlyTensorSpan<long> t, ReadOnlyTensorSpan<T> w, TensorSpan<T> dx, T dloss);

    // ---- Reduction Mean, Sum, BatchMean: x and a dense target y -----------------------------------------------

    /// <summary><c>T Forward(x, y)</c> of a reduced loss against a dense target.</summary>
    public delegate T DenseForward<T>(ReadOnlyTensorSpan<T> x, ReadOnlyTensorSpan<T> y);
    /// <summary><c>void Backward(x, y, dx, dloss)</c> of a reduced loss against a dense target.</summary>
    public delegate void DenseBackward<T>(ReadOnlyTensorSpan<T> x, ReadOnlyTensorSpan<T> y, TensorSpan<T> dx, T dloss);
    /// <summary><c>T ForwardBackward(x, y, dx, dloss)</c> of a reduced loss against a dense target.</summary>
    public delegate T DenseForwardBackward<T>(ReadOnlyTensorSpan<T> x, ReadOnlyTensorSpan<T> y, TensorSpan<T> dx, T dloss);

    // ---- Reduction Mean, Sum, BatchMean: x, a dense target y, weights w (or posWeight) -------------------------

    /// <summary><c>T Forward(x, y, w)</c> of a reduced, weighted loss against a dense target.</summary>
    public delegate T WeightedDenseForward<T>(ReadOnlyTensorSpan<T> x, ReadOnlyTensorSpan<T> y, ReadOnlyTensorSpan<T> w);
    /// <summary><c>void Backward(x, y, w, dx, dloss)</c> of a reduced, weighted loss against a dense target.</summary>
    public delegate void WeightedDenseBackward<T>(ReadOnlyTensorSpan<T> x, ReadOnlyTensorSpan<T> y, ReadOnlyTensorSpan<T> w, TensorSpan<T> dx, T dloss);
    /// <summary><c>T ForwardBackward(x, y, w, dx, dloss)</c> of a reduced, weighted loss against a dense target.</summary>
    public delegate T WeightedDenseForwardBackward<T>(ReadOnlyTensorSpan<T> x, ReadOnlyTensorSpan<T> y, ReadOnlyTensorSpan<T> w, TensorSpan<T> dx, T dloss);

    // ---- Reduction None ---------------------------------------------------------------------------------------

    /// <summary><c>void Forward(x, t, loss)</c> of an unreduced loss over class indices.</summary>
    public delegate void ClassIndexForwardNone<T>(ReadOnlyTensorSpan<T> x, ReadOnlyTensorSpan<long> t, TensorSpan<T> loss);
    /// <summary><c>void Backward(x, t, dloss, dx)</c> of an unreduced loss over class indices.</summary>
    public delegate void ClassIndexBackwardNone<T>(ReadOnlyTensorSpan<T> x, ReadOnlyTensorSpan<long> t, ReadOnlyTensorSpan<T> dloss, TensorSpan<T> dx);

    /// <summary><c>void Forward(x, t, w, loss)</c> of an unreduced, weighted loss over class indices.</summary>
    public delegate void WeightedClassIndexForwardNone<T>(ReadOnlyTensorSpan<T> x, ReadOnlyTensorSpan<long> t, ReadOnlyTensorSpan<T> w, TensorSpan<T> loss);
    /// <summary><c>void Backward(x, t, w, dloss, dx)</c> of an unreduced, weighted loss over class indices.</summary>
    public delegate void WeightedClassIndexBackwardNone<T>(ReadOnlyTensorSpan<T> x, ReadOnlyTensorSpan<long> t, ReadOnlyTensorSpan<T> w, ReadOnlyTensorSpan<T> dloss, TensorSpan<T> dx);

    /// <summary><c>void Forward(x, y, loss)</c> of an unreduced loss against a dense target.</summary>
    public delegate void DenseForwardNone<T>(ReadOnlyTensorSpan<T> x, ReadOnlyTensorSpan<T> y, TensorSpan<T> loss);
    /// <summary><c>void Backward(x, y, dloss, dx)</c> of an unreduced loss against a dense target.</summary>
    public delegate void DenseBackwardNone<T>(ReadOnlyTensorSpan<T> x, ReadOnlyTensorSpan<T> y, ReadOnlyTensorSpan<T> dloss, TensorSpan<T> dx);

    /// <summary><c>void Forward(x, y, w, loss)</c> of an unreduced, weighted loss against a dense target.</summary>
    public delegate void WeightedDenseForwardNone<T>(ReadOnlyTensorSpan<T> x, ReadOnlyTensorSpan<T> y, ReadOnlyTensorSpan<T> w, TensorSpan<T> loss);
    /// <summary><c>void Backward(x, y, w, dloss, dx)</c> of an unreduced, weighted loss against a dense target.</summary>
    public delegate void WeightedDenseBackwardNone<T>(ReadOnlyTensorSpan<T> x, ReadOnlyTensorSpan<T> y, ReadOnlyTensorSpan<T> w, ReadOnlyTensorSpan<T> dloss, TensorSpan<T> dx);
}
