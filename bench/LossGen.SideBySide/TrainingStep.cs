using System;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace LossGen.Bench;

/// <summary>
/// One TorchSharp training step of a linear classifier: zero_grad, forward, cross entropy, backward, SGD step.
/// <see cref="TorchStep"/> uses F.cross_entropy; <see cref="BridgeStep"/> does the same step with the loss
/// computed by LossGen through the LossGen.TorchSharp bridge (compiled only when bridge/LossGen.TorchSharp is in
/// the tree: see TrainingStep.Bridge.cs).
/// </summary>
internal sealed partial class TrainingStep : IDisposable
{
    public const int Batch = 4096;
    public const int Features = 128;
    public const int Classes = 1000;

    private readonly Linear _model;
    private readonly SGD _optimizer;
    private readonly Tensor _input;
    private readonly Tensor _target;

    public TrainingStep(BenchData data)
    {
        torch.manual_seed(1);
        _model = torch.nn.Linear(Features, Classes);
        _optimizer = torch.optim.SGD(_model.parameters(), 0.01);
        _input = torch.tensor(data.Logits(Batch, Features, scale: 1.0), [Batch, Features]);
        _target = torch.tensor(Array.ConvertAll(data.Targets(Batch, Classes), v => (long)v), [Batch]);
    }

    /// <summary>Whether this build has the bridge step.</summary>
    public static bool HasBridge => BridgeAvailable();

    public float TorchStep()
    {
        using var scope = torch.NewDisposeScope();
        _optimizer.zero_grad();
        var logits = _model.forward(_input);
        var loss = F.cross_entropy(logits, _target);
        loss.backward();
        _optimizer.step();
        return loss.item<float>();
    }

    public float BridgeStep()
    {
        using var scope = torch.NewDisposeScope();
        _optimizer.zero_grad();
        var logits = _model.forward(_input);
        var loss = BridgeLoss(logits, _target);
        loss.backward();
        _optimizer.step();
        return loss.item<float>();
    }

    /// <summary>The loss of the current model on the batch, by F.cross_entropy and through the bridge (no step taken).</summary>
    public (float Torch, float Bridge) CompareLosses()
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var logits = _model.forward(_input);
        return (F.cross_entropy(logits, _target).item<float>(), BridgeLoss(logits, _target).item<float>());
    }

    static partial void BridgeProbe(ref bool available);

    private static bool BridgeAvailable()
    {
        bool available = false;
        BridgeProbe(ref available);
        return available;
    }

#if !LOSSGEN_TORCH_BRIDGE
    private static Tensor BridgeLoss(Tensor logits, Tensor target) =>
        throw new NotSupportedException("built without bridge/LossGen.TorchSharp");
#endif

    public void Dispose()
    {
        _model.Dispose();
        _input.Dispose();
        _target.Dispose();
    }
}
