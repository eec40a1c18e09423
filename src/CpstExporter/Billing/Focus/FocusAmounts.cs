using System.Runtime.InteropServices;
using CpstExporter.Primitives;

namespace CpstExporter.Billing.Focus;

/// <summary>
/// The USD of one file's counted rows summed by (day, provider, account), bounded: the key past the limit refuses the
/// file. Account names are kept once each, found from the row's span, so adding a row allocates nothing once its
/// account was seen. Sums are exact decimals and saturate.
/// </summary>
internal sealed class FocusAmounts(int maxAmounts)
{
    private readonly Dictionary<FocusAmountKey, decimal> _sums = [];
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _accounts =
        new Dictionary<string, string>(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();

    public int Count => _sums.Count;

    /// <exception cref="FocusFileException">A new key past the limit.</exception>
    public void Add(DateOnly day, string provider, ReadOnlySpan<char> account, decimal usd)
    {
        if (!_accounts.TryGetValue(account, out string? name, out _))
        {
            name = account.ToString();
            _accounts[name] = name;
        }
        ref decimal sum = ref CollectionsMarshal.GetValueRefOrAddDefault(_sums, new FocusAmountKey(day, provider, name), out bool exists);
        if (!exists && _sums.Count > maxAmounts)
        {
            _sums.Remove(new FocusAmountKey(day, provider, name));
            throw new FocusFileException($"the counted rows fall on more than {maxAmounts} distinct days, providers and accounts " +
                "(Cpst:Billing:Focus:MaxAmountsPerFile): split the export, or raise the limit");
        }
        sum = Saturating.Add(sum, usd);
    }

    /// <summary>The sums, in day, provider and account order.</summary>
    public List<BilledAmount> ToList()
    {
        var amounts = new List<BilledAmount>(_sums.Count);
        foreach (var (key, usd) in _sums) amounts.Add(new BilledAmount(key.Day, key.Provider, key.Account, usd));
        amounts.Sort(static (a, b) =>
        {
            int order = a.Day.CompareTo(b.Day);
            if (order == 0) order = string.CompareOrdinal(a.Provider, b.Provider);
            return order != 0 ? order : string.CompareOrdinal(a.Account, b.Account);
        });
        return amounts;
    }
}
