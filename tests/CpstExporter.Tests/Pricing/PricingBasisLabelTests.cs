using CpstExporter.Pricing;
using CpstExporter.Tests.Primitives;

namespace CpstExporter.Tests.Pricing;

public class PricingBasisLabelTests
{
    [Fact]
    public void PricingBasis_EveryMember_HasOneDistinctSpelling() =>
        Assert.Equal(Enum.GetValues<PricingBasis>().Length, LabelValueTests.DistinctSpellings<PricingBasis>(PricingBasisLabels.LabelValue));
}
