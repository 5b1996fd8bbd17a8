using System.Runtime.Intrinsics;
using Xunit;

namespace LossGen.Conformance.Tests;

/// <summary>This project exists to run the suite on the 128-bit code; it fails if vector128.runsettings did not take effect.</summary>
public class WidthTests
{
    [Fact]
    public void The_kernels_run_their_128_bit_code_here()
    {
        Assert.False(Vector256.IsHardwareAccelerated, "DOTNET_EnableAVX=0 from vector128.runsettings did not reach the test host");
        Assert.True(Vector128.IsHardwareAccelerated, "the 128-bit code is not accelerated in this test host");
    }
}
