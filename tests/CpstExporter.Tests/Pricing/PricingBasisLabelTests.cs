using CpstExporter.Pricing;
using CpstExporter.Tests.Primitives;

namespace CpstExporter.Tests.Pricing;

public class PricingBasisLabelTests
{
    [Fact]
    public void PricingBasis_EveryMember_HasOneDistinctSpelling() =>
        LabelValueTests.AssertOneSpellingEach<PricingBasis>(PricingBasisLabels.LabelValue);
}
