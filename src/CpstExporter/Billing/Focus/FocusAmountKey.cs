namespace CpstExporter.Billing.Focus;

/// <summary>What the amounts of a FOCUS file are summed by: the UTC day, the provider and the account.</summary>
internal readonly record struct FocusAmountKey(DateOnly Day, string Provider, string Account);
