using CpstExporter.Receiving;
using CpstExporter.Tests.Primitives;

namespace CpstExporter.Tests.Receiving;

public class ReceivingLabelTests
{
    [Fact]
    public void Protocol_EveryMember_HasOneDistinctSpelling() =>
        Assert.Equal(Enum.GetValues<Protocol>().Length, LabelValueTests.DistinctSpellings<Protocol>(ProtocolLabels.LabelValue));

    [Fact]
    public void RejectionReason_EveryMember_HasOneDistinctSpelling() =>
        Assert.Equal(Enum.GetValues<RejectionReason>().Length, LabelValueTests.DistinctSpellings<RejectionReason>(RejectionReasonLabels.LabelValue));

    [Fact]
    public void IgnoredAttributeReason_EveryMember_HasOneDistinctSpelling() =>
        Assert.Equal(Enum.GetValues<IgnoredAttributeReason>().Length, LabelValueTests.DistinctSpellings<IgnoredAttributeReason>(IgnoredAttributeReasonLabels.LabelValue));

    [Fact]
    public void IgnoredLogRecordReason_EveryMember_HasOneDistinctSpelling() =>
        Assert.Equal(Enum.GetValues<IgnoredLogRecordReason>().Length, LabelValueTests.DistinctSpellings<IgnoredLogRecordReason>(IgnoredLogRecordReasonLabels.LabelValue));

    [Fact]
    public void IgnoredLogRecordReason_EveryEvaluationProblem_IsExplained() =>
        Assert.All(Enum.GetValues<IgnoredLogRecordReason>().Where(r => r != IgnoredLogRecordReason.NotEvaluation), r => Assert.Contains("gen_ai.evaluation", r.Problem()));

    [Fact]
    public void RequestRejection_EveryMember_HasOneDistinctSpelling() =>
        Assert.Equal(Enum.GetValues<RequestRejection>().Length, LabelValueTests.DistinctSpellings<RequestRejection>(RequestRejectionLabels.LabelValue));

    [Fact]
    public void ReceiverCounters_ReportEveryMemberUnderItsLabelValue()
    {
        var counters = new ReceiverCounters();

        Assert.Equal(Enum.GetValues<RequestRejection>().Select(r => r.LabelValue()), counters.RejectedRequests.Values().Select(v => v.Label));
        Assert.Equal(Enum.GetValues<IgnoredAttributeReason>().Select(r => r.LabelValue()), counters.IgnoredAttributes.Values().Select(v => v.Label));
        Assert.Equal(Enum.GetValues<IgnoredLogRecordReason>().Select(r => r.LabelValue()), counters.IgnoredLogRecords.Values().Select(v => v.Label));
    }
}
