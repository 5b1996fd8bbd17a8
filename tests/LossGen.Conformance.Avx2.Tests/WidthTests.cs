using System.Runtime.Intrinsics;
using Xunit;

namespace LossGen.Conformance.Tests;

/// <summary>This project exists to run the suite on the 256-bit code; it fails if avx2.runsettings did not take effect.</summary>
public class WidthTests
{
    [Fact]
    public void The_kernels_run_their_256_bit_code_here()
    {
        Assert.False(Vector512.IsHardwareAccelerated, "DOTNET_EnableAVX512=0 from avx2.runsettings did not reach the test host");
    }
}
