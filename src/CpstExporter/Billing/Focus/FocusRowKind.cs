namespace CpstExporter.Billing.Focus;

/// <summary>What the import makes of one FOCUS row.</summary>
internal enum FocusRowKind
{
    /// <summary>Usage of an AI/ML service with a known provider: its cost counts.</summary>
    Counted,

    /// <summary><c>ChargeCategory</c> other than <c>Usage</c> (<c>Purchase</c>, <c>Tax</c>, <c>Credit</c>, <c>Adjustment</c>).</summary>
    NotUsage,

    /// <summary>Usage of a service that is not AI/ML.</summary>
    NotAiService,

    /// <summary>Usage of an AI/ML service whose provider the rules do not know.</summary>
    UnknownProvider,
}
