using CpstExporter.Pricing;
using Microsoft.Extensions.Logging.Abstractions;

namespace CpstExporter.Tests.Pricing;

public sealed class PriceTableProviderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("cpst-pricing-").FullName;
    private readonly string _path;
    private DateTime _stamp = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public PriceTableProviderTests() => _path = Path.Combine(_directory, "pricing.yaml");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string Table(string input) => $"models:\n  - name: gpt-4o\n    input: {input}\n    output: 10.00\n";

    /// <summary>Writes the file and moves its timestamp on by a minute, so the change is seen whatever the file system's resolution.</summary>
    private void Write(string text)
    {
        File.WriteAllText(_path, text);
        _stamp = _stamp.AddMinutes(1);
        File.SetLastWriteTimeUtc(_path, _stamp);
    }

    private PriceTableProvider Provider() =>
        new(new PricingOptions { PricingFile = _path }, TimeProvider.System, NullLogger<PriceTableProvider>.Instance);

    [Fact]
    public void Constructor_LoadsTheFile()
    {
        Write(Table("2.50"));

        PriceTableProvider provider = Provider();

        Assert.Equal(2.50m, provider.Current.FindModel("gpt-4o", null)?.Base.Rates.Input);
        Assert.Equal(0, provider.ReloadFailures);
    }

    [Fact]
    public void Constructor_BrokenFile_FailsAtOnce()
    {
        Write("models:\n  - name: gpt-4o\n    input: -1\n    output: 1\n");

        var error = Assert.Throws<PriceTableException>(Provider);

        Assert.Contains("models[0] (gpt-4o)", error.Message);
    }

    [Fact]
    public void CheckForChanges_Unchanged_ReturnsFalse()
    {
        Write(Table("2.50"));
        PriceTableProvider provider = Provider();

        Assert.False(provider.CheckForChanges());
    }

    [Fact]
    public void CheckForChanges_FileChanged_LoadsTheNewPrice()
    {
        Write(Table("2.50"));
        PriceTableProvider provider = Provider();
        string oldVersion = provider.Current.Version;

        Write(Table("3.75"));

        Assert.True(provider.CheckForChanges());
        Assert.Equal(3.75m, provider.Current.FindModel("gpt-4o", null)?.Base.Rates.Input);
        Assert.NotEqual(oldVersion, provider.Current.Version);
        Assert.False(provider.CheckForChanges());
    }

    [Fact]
    public void CheckForChanges_SameSizeNewTimestamp_LoadsTheNewPrice()
    {
        Write(Table("2.50"));
        PriceTableProvider provider = Provider();

        Write(Table("2.75")); // same length, only the timestamp tells

        Assert.True(provider.CheckForChanges());
        Assert.Equal(2.75m, provider.Current.FindModel("gpt-4o", null)?.Base.Rates.Input);
    }

    [Fact]
    public void CheckForChanges_TouchedButSameContent_KeepsTableAndReturnsFalse()
    {
        Write(Table("2.50"));
        PriceTableProvider provider = Provider();
        PriceTable before = provider.Current;

        Write(Table("2.50"));

        Assert.False(provider.CheckForChanges());
        Assert.Same(before, provider.Current);
    }

    [Fact]
    public void CheckForChanges_BrokenFile_KeepsOldTableAndCountsFailure()
    {
        Write(Table("2.50"));
        PriceTableProvider provider = Provider();
        PriceTable before = provider.Current;

        Write("models:\n  - name: gpt-4o\n    input: [oops\n");

        Assert.False(provider.CheckForChanges());
        Assert.Same(before, provider.Current);
        Assert.Equal(1, provider.ReloadFailures);
        Assert.False(provider.CheckForChanges()); // the same broken file is not retried until it changes
        Assert.Equal(1, provider.ReloadFailures);
    }

    [Fact]
    public void CheckForChanges_BrokenThenFixed_LoadsTheFixedFile()
    {
        Write(Table("2.50"));
        PriceTableProvider provider = Provider();

        Write("models:\n  - name: gpt-4o\n    input: -1\n    output: 1\n");
        Assert.False(provider.CheckForChanges());
        Write(Table("4.00"));

        Assert.True(provider.CheckForChanges());
        Assert.Equal(4.00m, provider.Current.FindModel("gpt-4o", null)?.Base.Rates.Input);
        Assert.Equal(1, provider.ReloadFailures);
    }

    [Fact]
    public void CheckForChanges_FileDeleted_KeepsOldTableAndCountsFailure()
    {
        Write(Table("2.50"));
        PriceTableProvider provider = Provider();

        File.Delete(_path);

        Assert.False(provider.CheckForChanges());
        Assert.Equal(2.50m, provider.Current.FindModel("gpt-4o", null)?.Base.Rates.Input);
        Assert.Equal(1, provider.ReloadFailures);
    }

    [Fact]
    public void CheckForChanges_NoModels_KeepsOldTableAndCountsFailure()
    {
        Write(Table("2.50"));
        PriceTableProvider provider = Provider();

        Write("models:\n  # every model commented out\ntools:\n  - name: web_search\n    per_call: 0.01\n");

        Assert.False(provider.CheckForChanges());
        Assert.Equal(2.50m, provider.Current.FindModel("gpt-4o", null)?.Base.Rates.Input);
        Assert.Equal(1, provider.ReloadFailures);
    }

    [Fact]
    public void CheckForChanges_EmptiedFile_IsRefusedOnlyWhenStillEmptyAtTheNextLook()
    {
        Write(Table("2.50"));
        PriceTableProvider provider = Provider();

        Write("");

        Assert.False(provider.CheckForChanges()); // an in-place write may be about to fill it
        Assert.Equal(0, provider.ReloadFailures);
        Assert.False(provider.CheckForChanges());
        Assert.Equal(2.50m, provider.Current.FindModel("gpt-4o", null)?.Base.Rates.Input);
        Assert.Equal(1, provider.ReloadFailures);
        Assert.False(provider.CheckForChanges()); // the same empty file is not refused twice
        Assert.Equal(1, provider.ReloadFailures);
    }

    [Fact]
    public void CheckForChanges_EmptiedThenWritten_LoadsTheWrittenTableWithoutAFailure()
    {
        Write(Table("2.50"));
        PriceTableProvider provider = Provider();

        Write("");
        Assert.False(provider.CheckForChanges());
        Write(Table("3.75"));

        Assert.True(provider.CheckForChanges());
        Assert.Equal(3.75m, provider.Current.FindModel("gpt-4o", null)?.Base.Rates.Input);
        Assert.Equal(0, provider.ReloadFailures);
    }

    [Fact]
    public void CheckForChanges_FixedTableProvider_NeverReloads()
    {
        var provider = new PriceTableProvider(PriceTable.Empty, NullLogger<PriceTableProvider>.Instance);

        Assert.False(provider.CheckForChanges());
        Assert.Same(PriceTable.Empty, provider.Current);
    }

    [Fact]
    public void CheckForChanges_ConfigMapStyleLinkSwapped_LoadsTheNewTable()
    {
        // As the kubelet updates a ConfigMap volume: pricing.yaml -> ..data/pricing.yaml, ..data -> the current
        // version's folder, and an update points ..data at a new folder. Same size, and the link never changes.
        string Version(string name, string input)
        {
            string folder = Path.Combine(_directory, name);
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, "pricing.yaml"), Table(input));
            return name;
        }
        string data = Path.Combine(_directory, "..data");
        File.CreateSymbolicLink(data, Version("..v1", "2.50"));
        File.CreateSymbolicLink(_path, Path.Combine("..data", "pricing.yaml"));
        PriceTableProvider provider = Provider();

        string next = Version("..v2", "5.00");
        File.Delete(data);
        File.CreateSymbolicLink(data, next);

        Assert.True(provider.CheckForChanges());
        Assert.Equal(5.00m, provider.Current.FindModel("gpt-4o", null)?.Base.Rates.Input);
        Assert.False(provider.CheckForChanges());
    }
}
