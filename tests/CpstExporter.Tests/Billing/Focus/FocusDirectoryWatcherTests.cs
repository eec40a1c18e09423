using CpstExporter.Billing;
using CpstExporter.Billing.Focus;
using CpstExporter.Pricing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CpstExporter.Tests.Billing.Focus;

/// <summary>
/// The directory of FOCUS files as exports land in it: files added, re-exported with revised rows, broken, deleted;
/// what the bill sink holds after each look.
/// </summary>
public sealed class FocusDirectoryWatcherTests : IDisposable
{
    private const string Header = "ChargeCategory,ServiceCategory,ServiceName,ProviderName,BilledCost,BillingCurrency,ChargePeriodStart,SubAccountId";

    private readonly string _directory = Directory.CreateTempSubdirectory("cpst-focus-").FullName;
    private readonly FakeTimeProvider _clock = new(TestClock.Start);
    private readonly RecordingBillSink _sink = new();
    private DateTime _nextWriteTime = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    private FocusDirectoryWatcher Watcher(params (string Key, string Value)[] settings)
    {
        var values = new Dictionary<string, string?> { ["Cpst:Billing:Focus:Directory"] = _directory, ["Cpst:Billing:Focus:SettleSeconds"] = "0" };
        foreach (var (key, value) in settings) values[$"Cpst:Billing:Focus:{key}"] = value;
        FocusImportOptions options = FocusImportOptions.Read(new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection("Cpst"));
        options.Validate();
        return new FocusDirectoryWatcher(options, ExchangeRates.UsdOnly, _sink, _clock, NullLogger<FocusDirectoryWatcher>.Instance);
    }

    /// <summary>Writes a file of Bedrock usage rows (day, account, USD), with a write time of its own so every version differs.</summary>
    private void WriteBill(string name, params (string Day, string Account, string Usd)[] rows) =>
        WriteText(name, Header + "\n" + string.Concat(rows.Select(r => $"Usage,AI and Machine Learning,Amazon Bedrock,AWS,{r.Usd},USD,{r.Day}T00:00:00Z,{r.Account}\n")));

    private void WriteText(string name, string content)
    {
        string path = Path.Combine(_directory, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        File.SetLastWriteTimeUtc(path, _nextWriteTime);
        _nextWriteTime = _nextWriteTime.AddMinutes(1);
    }

    [Fact]
    public void Scan_NewFile_IsHandedOnAsTheSnapshotOfItsPath()
    {
        WriteBill("march.csv", ("2025-03-01", "111", "1.25"), ("2025-03-01", "111", "0.75"), ("2025-03-02", "222", "3"));

        Assert.Equal(new FocusScanResult(1, 0, 0, 0), Watcher().ScanOnce());

        BillSnapshot snapshot = Assert.Single(_sink.Replaced);
        Assert.Equal((BillingSource.Focus, "march.csv"), (snapshot.Source, snapshot.Scope));
        Assert.Equal(["2025-03-01 aws.bedrock 111 2", "2025-03-02 aws.bedrock 222 3"], BillLines.Lines(snapshot.Amounts));
    }

    [Fact]
    public void Scan_ReExportedFile_ReplacesItsRowsInsteadOfAddingToThem()
    {
        FocusDirectoryWatcher watcher = Watcher();
        WriteBill("march.csv", ("2025-03-01", "111", "2"));
        watcher.ScanOnce();

        WriteBill("march.csv", ("2025-03-01", "111", "2.5"), ("2025-03-02", "111", "1"));
        Assert.Equal(new FocusScanResult(1, 0, 0, 0), watcher.ScanOnce());

        Assert.Equal(2, _sink.Replaced.Length);
        Assert.Equal(["2025-03-01 aws.bedrock 111 2.5", "2025-03-02 aws.bedrock 111 1"], _sink.HeldAmounts());
    }

    [Fact]
    public void Scan_UnchangedDirectory_HandsNothingOnAgain()
    {
        FocusDirectoryWatcher watcher = Watcher();
        WriteBill("march.csv", ("2025-03-01", "111", "2"));
        watcher.ScanOnce();

        Assert.Equal(default, watcher.ScanOnce());
        Assert.Equal(default, watcher.ScanOnce());

        Assert.Single(_sink.Replaced);
    }

    [Fact]
    public void Scan_DeletedFile_RemovesItsScope()
    {
        FocusDirectoryWatcher watcher = Watcher();
        WriteBill("march.csv", ("2025-03-01", "111", "2"));
        WriteBill("april.csv", ("2025-04-01", "111", "4"));
        watcher.ScanOnce();

        File.Delete(Path.Combine(_directory, "march.csv"));

        Assert.Equal(new FocusScanResult(0, 0, 1, 0), watcher.ScanOnce());
        Assert.Equal([(BillingSource.Focus, "march.csv")], _sink.Removed);
        Assert.Equal(["2025-04-01 aws.bedrock 111 4"], _sink.HeldAmounts());
    }

    [Fact]
    public void Scan_BadFileAfterAGoodOne_CountsAFailureAndKeepsTheGoodData()
    {
        FocusDirectoryWatcher watcher = Watcher();
        WriteBill("march.csv", ("2025-03-01", "111", "2"));
        watcher.ScanOnce();

        WriteText("march.csv", Header + "\nUsage,AI and Machine Learning,Amazon Bedrock,AWS,two dollars,USD,2025-03-01T00:00:00Z,111\n");
        Assert.Equal(new FocusScanResult(0, 1, 0, 0), watcher.ScanOnce());

        var (source, reason) = Assert.Single(_sink.Failures);
        Assert.Equal(BillingSource.Focus, source);
        Assert.Equal("march.csv: line 2: BilledCost 'two dollars' is not a decimal number", reason);
        Assert.Equal(["2025-03-01 aws.bedrock 111 2"], _sink.HeldAmounts());

        // Not counted again until it changes; then a fixed file is taken.
        Assert.Equal(default, watcher.ScanOnce());
        Assert.Single(_sink.Failures);
        WriteBill("march.csv", ("2025-03-01", "111", "2.25"));
        watcher.ScanOnce();
        Assert.Equal(["2025-03-01 aws.bedrock 111 2.25"], _sink.HeldAmounts());
    }

    [Fact]
    public void Scan_TruncatedGzip_IsRefusedAndCounted()
    {
        FocusDirectoryWatcher watcher = Watcher();
        WriteBill("march.csv", ("2025-03-01", "111", "2"));
        string plain = Path.Combine(_directory, "march.csv");
        string gzip = Path.Combine(_directory, "april.csv.gz");
        using (var output = File.Create(gzip))
        using (var compress = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.Optimal))
            compress.Write(File.ReadAllBytes(plain));
        byte[] whole = File.ReadAllBytes(gzip);
        File.WriteAllBytes(gzip, whole[..^6]);

        Assert.Equal(new FocusScanResult(1, 1, 0, 0), watcher.ScanOnce());

        Assert.Contains("april.csv.gz: the gzip content does not match its trailer", Assert.Single(_sink.Failures).Reason, StringComparison.Ordinal);
        Assert.Equal(["march.csv"], _sink.Replaced.Select(s => s.Scope));
    }

    [Fact]
    public void Scan_SubdirectoriesAndNames_TakeCsvAndGzipFilesOnlyAndNotHiddenOnes()
    {
        WriteBill("2025-03/part-00001.csv", ("2025-03-01", "111", "1"));
        WriteBill("2025-03/PART-00002.CSV", ("2025-03-01", "111", "2"));
        WriteBill("notes.txt", ("2025-03-01", "111", "4"));
        WriteBill(".partial.csv", ("2025-03-01", "111", "8"));
        WriteBill(".sync/staged.csv", ("2025-03-01", "111", "16"));
        WriteBill("export.csv.tmp", ("2025-03-01", "111", "32"));

        Watcher().ScanOnce();

        Assert.Equal(["2025-03/PART-00002.CSV", "2025-03/part-00001.csv"], _sink.Replaced.Select(s => s.Scope).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Scan_MoreFilesThanMaxFiles_ReadsTheFirstByPath()
    {
        WriteBill("c.csv", ("2025-03-01", "111", "1"));
        WriteBill("a.csv", ("2025-03-01", "111", "1"));
        WriteBill("b.csv", ("2025-03-01", "111", "1"));

        Watcher(("MaxFiles", "2")).ScanOnce();

        Assert.Equal(["a.csv", "b.csv"], _sink.Replaced.Select(s => s.Scope).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Scan_ChangedFile_IsReadOnceItSettled()
    {
        FocusDirectoryWatcher watcher = Watcher(("SettleSeconds", "2"));
        WriteBill("march.csv", ("2025-03-01", "111", "1"));

        Assert.Equal(new FocusScanResult(0, 0, 0, 1), watcher.ScanOnce());
        _clock.AdvanceSeconds(1.5);
        WriteBill("march.csv", ("2025-03-01", "111", "1"), ("2025-03-02", "111", "1")); // still being written
        Assert.Equal(new FocusScanResult(0, 0, 0, 1), watcher.ScanOnce());
        _clock.AdvanceSeconds(1.5);
        Assert.Equal(new FocusScanResult(0, 0, 0, 1), watcher.ScanOnce());
        Assert.Empty(_sink.Replaced);

        _clock.AdvanceSeconds(0.5);
        Assert.Equal(new FocusScanResult(1, 0, 0, 0), watcher.ScanOnce());
        Assert.Equal(2, Assert.Single(_sink.Replaced).Amounts.Count);
    }

    [Fact]
    public void Scan_DirectoryGone_RemovesNothingUntilItIsBack()
    {
        FocusDirectoryWatcher watcher = Watcher();
        WriteBill("march.csv", ("2025-03-01", "111", "2"));
        watcher.ScanOnce();

        Directory.Delete(_directory, recursive: true);
        Assert.Equal(default, watcher.ScanOnce());
        Assert.Empty(_sink.Removed);

        Directory.CreateDirectory(_directory);
        watcher.ScanOnce();
        Assert.Equal([(BillingSource.Focus, "march.csv")], _sink.Removed);
    }

    [Fact]
    public void Scan_SinkThatThrows_DoesNotStopTheWatcherAndTheFileIsOfferedAgain()
    {
        var sink = new ThrowingSink();
        var options = FocusImportOptions.Read(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cpst:Billing:Focus:Directory"] = _directory, ["Cpst:Billing:Focus:SettleSeconds"] = "0",
        }).Build().GetSection("Cpst"));
        var watcher = new FocusDirectoryWatcher(options, ExchangeRates.UsdOnly, sink, _clock, NullLogger<FocusDirectoryWatcher>.Instance);
        WriteBill("march.csv", ("2025-03-01", "111", "2"));

        Assert.Equal(default, watcher.ScanOnce());
        Assert.Equal(default, watcher.ScanOnce());

        Assert.Equal(2, sink.Replaces);
    }

    [Fact]
    public async Task Running_FileWrittenAndDeleted_ReachesTheSinkWithoutARescan()
    {
        // The clock never moves: after the first look, only file-system events can start another.
        using FocusDirectoryWatcher watcher = Watcher(("RescanSeconds", "3600"));
        WriteBill("february.csv", ("2025-02-01", "111", "1"));
        await watcher.StartAsync(CancellationToken.None);
        try
        {
            await Poll.UntilAsync(() => _sink.Replaced.Length == 1, "the first look, which the watcher starts before");
            WriteBill("march.csv", ("2025-03-01", "111", "2"));
            await Poll.UntilAsync(() => _sink.Replaced.Length == 2, "the new file to be imported");

            File.Delete(Path.Combine(_directory, "march.csv"));
            await Poll.UntilAsync(() => _sink.Removed.Length == 1, "the deleted file to be removed");
            Assert.Equal(["2025-02-01 aws.bedrock 111 1"], _sink.HeldAmounts());
        }
        finally
        {
            await watcher.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Host_DirectorySet_ImportsIntoTheBillStore()
    {
        // The host's clock starts at TestClock.Start; the store keeps its month and the two before: bill the day before.
        DateOnly day = DateOnly.FromDateTime(TestClock.Start.UtcDateTime).AddDays(-1);
        WriteBill("bill.csv", (day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), "111", "2"));

        await using var exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?>
        {
            ["Cpst:Billing:Focus:Directory"] = _directory,
            ["Cpst:Billing:Focus:SettleSeconds"] = "0",
        });

        // The host's own bill store takes the file.
        BillStore store = exporter.Services.GetRequiredService<BillStore>();
        await Poll.UntilAsync(() => store.View.Amounts.Count == 1, "the file present at start to be imported");
        Assert.Equal([new BilledAmount(day, "aws.bedrock", "111", 2m)], store.View.Amounts);
    }

    private sealed class ThrowingSink : IBillSink
    {
        public int Replaces { get; private set; }

        public void Replace(BillSnapshot snapshot)
        {
            Replaces++;
            throw new InvalidOperationException("store broken");
        }

        public void Remove(BillingSource source, string scope) => throw new InvalidOperationException("store broken");
        public void Failed(BillingSource source, string reason) => throw new InvalidOperationException("store broken");
    }
}
