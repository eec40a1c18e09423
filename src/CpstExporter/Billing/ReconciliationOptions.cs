using CpstExporter.Primitives;

namespace CpstExporter.Billing;

/// <summary>
/// How the bill is set beside the traced cost (<c>Cpst:Billing</c>, docs/billing.md): the bound on accounts and whether
/// untraced spend is allocated to use cases. Read at start; a change takes a restart. The bill sources' own keys
/// (<c>Cpst:Billing:Focus:…</c>, the cost API pollers') are theirs.
/// </summary>
internal sealed class ReconciliationOptions
{
    /// <summary>The section below <c>Cpst</c> these options are bound from, one key per settable property.</summary>
    public const string Section = "Billing";

    /// <summary>The most accounts a provider may have in <c>MaxAccountsPerProvider</c>.</summary>
    public const int MaxAccountsLimit = 1000;

    /// <summary>
    /// Allocate each complete billed day's untraced remainder of a provider to the use cases that traced cost with it that
    /// day, in proportion, into <c>cpst_supporting_cost_usd_total{item="untraced_&lt;provider&gt;"}</c>. Default false.
    /// </summary>
    public bool AllocateUntraced { get; set; }

    /// <summary>
    /// Accounts kept apart per provider, the largest by spend over the kept months; the others are summed into the account
    /// <c>__overflow__</c>, so the billed series of a provider stay bounded. Default 50, at most <see cref="MaxAccountsLimit"/>.
    /// </summary>
    public int MaxAccountsPerProvider { get; set; } = 50;

    /// <summary>Throws <see cref="CpstConfigurationException"/> naming the key out of its range.</summary>
    public void Validate()
    {
        if (MaxAccountsPerProvider is < 1 or > MaxAccountsLimit)
            throw new CpstConfigurationException($"{Key(nameof(MaxAccountsPerProvider))} must be a whole number from 1 to {MaxAccountsLimit}, not {MaxAccountsPerProvider}; " +
                "accounts past it are summed into the account __overflow__");
    }

    /// <summary>The full name of a key of this section, as an error names it.</summary>
    private static string Key(string property) => $"Cpst:{Section}:{property}";
}
