// The training-step row's LossGen column: the same step with the loss computed by a LossGen kernel through the
// LossGen.TorchSharp bridge. Compiled only when bridge/LossGen.TorchSharp is in the tree (the csproj then defines
// LOSSGEN_TORCH_BRIDGE and references it; -p:TorchBridge=false turns it off).
//
// The bridge's API (TorchLoss.ClassIndices<T>(forwardBackward, forward) returning a
// TorchLossFunction whose Apply(x, t) is differentiable). If it changes, BridgeCrossEntropy and BridgeLoss are the
// only lines to adapt.
#if LOSSGEN_TORCH_BRIDGE
using static TorchSharp.torch;

namespace LossGen.Bench;

internal sealed partial class TrainingStep
{
    /// <summary>Mean class-index cross entropy (bench/Shared/BenchLosses.cs) as a differentiable TorchSharp operation.</summary>
    private static readonly TorchLossFunction BridgeCrossEntropy =
        TorchLoss.ClassIndices<float>(CrossEntropy.ForwardBackward, CrossEntropy.Forward);

    static partial void BridgeProbe(ref bool available) => available = true;

    private static Tensor BridgeLoss(Tensor logits, Tensor target) => BridgeCrossEntropy.Apply(logits, target);
}
#endif
