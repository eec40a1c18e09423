using CpstExporter.Billing;
using CpstExporter.Configuration;
using CpstExporter.Primitives;
using Microsoft.Extensions.Configuration;

namespace CpstExporter.Tests.Billing;

/// <summary><c>Cpst:Billing</c>'s own keys: bound, defaulted and checked at start with the key named.</summary>
public class ReconciliationOptionsTests
{
    private static CpstSettings Read(params (string Key, string Value)[] values) =>
        CpstSettings.Read(new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build().GetSection("Cpst"));

    [Fact]
    public void Read_NothingSet_AllocationOffAndFiftyAccounts()
    {
        ReconciliationOptions options = Read().Reconciliation;

        Assert.Equal((false, 50), (options.AllocateUntraced, options.MaxAccountsPerProvider));
    }

    [Fact]
    public void Read_BothSet_AreBound()
    {
        ReconciliationOptions options = Read(("Cpst:Billing:AllocateUntraced", "true"), ("Cpst:Billing:MaxAccountsPerProvider", "7")).Reconciliation;

        Assert.Equal((true, 7), (options.AllocateUntraced, options.MaxAccountsPerProvider));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1001")]
    public void Read_AccountsOutOfRange_StopsTheStartNamingTheKey(string accounts)
    {
        var error = Assert.Throws<CpstConfigurationException>(() => Read(("Cpst:Billing:MaxAccountsPerProvider", accounts)));

        Assert.StartsWith($"Cpst:Billing:MaxAccountsPerProvider must be a whole number from 1 to 1000, not {accounts}", error.Message);
    }

    [Fact]
    public void Read_AllocateUntracedNotABoolean_StopsTheStartNamingTheKey()
    {
        var error = Assert.Throws<CpstConfigurationException>(() => Read(("Cpst:Billing:AllocateUntraced", "sometimes")));

        Assert.Contains("Cpst:Billing:AllocateUntraced", error.Message);
    }
}
