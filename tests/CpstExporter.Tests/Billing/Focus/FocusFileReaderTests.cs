using System.IO.Compression;
using System.Text;
using CpstExporter.Billing.Focus;
using CpstExporter.Pricing;
using Microsoft.Extensions.Configuration;

namespace CpstExporter.Tests.Billing.Focus;

/// <summary>
/// FOCUS 1.0, 1.1 and 1.2 files as AWS, Azure, Google Cloud, OpenAI and Anthropic export them (tests/…/Billing/Fixtures),
/// read into exact sums per day, provider and account; and every file that must be refused whole.
/// </summary>
public sealed class FocusFileReaderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("cpst-focus-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string Fixture(string name) => RepoFiles.Path("tests", "CpstExporter.Tests", "Billing", "Fixtures", name);

    private static FocusFileReader Reader(decimal? eurRate = null, params (string Key, string Value)[] settings)
    {
        var values = settings.Select(s => new KeyValuePair<string, string?>($"Cpst:Billing:Focus:{s.Key}", s.Value));
        FocusImportOptions options = FocusImportOptions.Read(new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection("Cpst"));
        var rates = new ExchangeRates(eurRate is decimal eur ? new Dictionary<string, decimal> { ["EUR"] = eur } : []);
        return new FocusFileReader(options, rates);
    }

    private static FocusFileException Refused(FocusFileReader reader, string path) => Assert.Throws<FocusFileException>(() => reader.Read(path));

    [Fact]
    public void Read_Focus10AwsExport_SumsBedrockUsageByDayAndAccount()
    {
        FocusFileContent content = Reader().Read(Fixture("focus-1.0-aws.csv"));

        // 12.345678 + 0.000001 + 5.5 (Claude on Bedrock is billed by AWS) − 0.345679 (a correction); 0.01 (1E-2) + 2.5.
        Assert.Equal(["2025-03-01 aws.bedrock 111111111111 17.5", "2025-03-02 aws.bedrock 222222222222 2.51"], BillLines.Lines(content.Amounts));
        Assert.Equal(20.01m, content.Usd);
        Assert.Equal((11, 6, 3, 1, 1), (content.Rows, content.Counted, content.NotUsage, content.NotAiService, content.UnknownProvider));
        Assert.Equal(["Amazon SageMaker"], content.UnknownServices);
    }

    [Fact]
    public void Read_Focus11AzureExportInEur_ConvertsWithTheRateAndDatesByUtcDay()
    {
        // CRLF line ends and a UTF-8 byte order mark, as Cost Management writes them.
        byte[] bytes = File.ReadAllBytes(Fixture("focus-1.1-azure.csv"));
        Assert.True(bytes.AsSpan().StartsWith("\uFEFF"u8) && bytes.AsSpan().IndexOf("\r\n"u8) > 0, "the fixture lost its byte order mark or its CRLFs");

        FocusFileContent content = Reader(eurRate: 1.08m).Read(Fixture("focus-1.1-azure.csv"));

        // (10.00 + 0.125) EUR × 1.08; 3 EUR × 1.08 on 2025-03-01T00:30:00+01:00, which is 28 February in UTC.
        Assert.Equal([
            "2025-02-28 azure.ai.openai /subscriptions/00000000-0000-0000-0000-000000000001 3.24",
            "2025-03-01 azure.ai.openai /subscriptions/00000000-0000-0000-0000-000000000001 10.935",
        ], BillLines.Lines(content.Amounts));
        Assert.Equal((6, 3, 2, 1, 0), (content.Rows, content.Counted, content.NotUsage, content.NotAiService, content.UnknownProvider));
    }

    [Fact]
    public void Read_Focus12File_MapsVertexOpenAiAndAnthropicAndSkipsTheRest()
    {
        FocusFileContent content = Reader().Read(Fixture("focus-1.2-gcp-openai-anthropic.csv"));

        Assert.Equal([
            "2025-03-05 gcp.vertex_ai example-project 0.75",
            "2025-03-06 anthropic wrkspc_01 9",
            "2025-03-06 openai proj_abc123 20.25",
        ], BillLines.Lines(content.Amounts));
        // Gemini API is AI/ML without a built-in provider; Acme's category is Other; a tax and a storage row.
        Assert.Equal((9, 5, 1, 2, 1), (content.Rows, content.Counted, content.NotUsage, content.NotAiService, content.UnknownProvider));
        Assert.Equal(["Gemini API"], content.UnknownServices);
    }

    [Fact]
    public void Read_ConfiguredServicesAndProviders_CountThoseServicesUnderTheirProvider()
    {
        FocusFileReader reader = Reader(null, ("Services:0", "acme *"), ("Providers:Acme Inference", "Acme"), ("Providers:gemini api", "gcp.gemini"));

        FocusFileContent content = reader.Read(Fixture("focus-1.2-gcp-openai-anthropic.csv"));

        Assert.Equal([
            "2025-03-05 acme acme-team 3.3",
            "2025-03-05 gcp.gemini example-project 9.99",
            "2025-03-05 gcp.vertex_ai example-project 0.75",
            "2025-03-06 anthropic wrkspc_01 9",
            "2025-03-06 openai proj_abc123 20.25",
        ], BillLines.Lines(content.Amounts));
        Assert.Equal(0, content.UnknownProvider);
    }

    [Fact]
    public void Read_ConfiguredProvider_ComesBeforeTheBuiltInMapping()
    {
        FocusFileContent content = Reader(null, ("Providers:Amazon Bedrock", "bedrock.direct")).Read(Fixture("focus-1.0-aws.csv"));

        Assert.Contains("2025-03-01 bedrock.direct 111111111111 12", BillLines.Lines(content.Amounts));
    }

    [Fact]
    public void Read_IdenticalRows_CountAsTwoCharges()
    {
        FocusFileContent content = Reader().Read(Fixture("focus-1.0-duplicate-rows.csv"));

        Assert.Equal(["2025-03-03 aws.bedrock 111111111111 2.2"], BillLines.Lines(content.Amounts));
    }

    [Fact]
    public void Read_GzipFile_IsDecompressed()
    {
        string path = Path.Combine(_directory, "export.csv.gz");
        Gzip(File.ReadAllBytes(Fixture("focus-1.0-aws.csv")), path);

        Assert.Equal(["2025-03-01 aws.bedrock 111111111111 17.5", "2025-03-02 aws.bedrock 222222222222 2.51"],
            BillLines.Lines(Reader().Read(path).Amounts));
    }

    [Fact]
    public void Read_GzipContentUnderACsvName_IsRecognisedByItsFirstBytes()
    {
        string path = Path.Combine(_directory, "export.csv");
        Gzip(File.ReadAllBytes(Fixture("focus-1.0-aws.csv")), path);

        Assert.Equal(2, Reader().Read(path).Amounts.Count);
    }

    [Theory]
    [InlineData(8)] // the trailer gone
    [InlineData(3)] // part of the trailer gone
    [InlineData(500)] // cut inside the compressed data
    public void Read_TruncatedGzip_IsRefused(int bytesCut)
    {
        string path = Path.Combine(_directory, "export.csv.gz");
        byte[] whole = Gzip(Encoding.UTF8.GetBytes(Repeat(File.ReadAllText(Fixture("focus-1.0-aws.csv")), 20)), path);
        File.WriteAllBytes(path, whole[..^bytesCut]);

        FocusFileException refused = Refused(Reader(), path);

        Assert.Contains("cut short", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_CorruptGzip_IsRefused()
    {
        string path = Path.Combine(_directory, "export.csv.gz");
        byte[] bytes = Gzip(File.ReadAllBytes(Fixture("focus-1.0-aws.csv")), path);
        for (int i = 20; i < bytes.Length - 20; i += 7) bytes[i] ^= 0x5A;
        File.WriteAllBytes(path, bytes);

        // Refused as gzip that is corrupt or does not match its trailer, never read as rows.
        Assert.StartsWith("the gzip content ", Refused(Reader(), path).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_CurrencyWithoutARate_RefusesTheFileNamingTheKey()
    {
        FocusFileException refused = Refused(Reader(eurRate: 1.08m), Fixture("focus-1.0-jpy.csv"));

        Assert.Equal("line 2: no exchange rate for the BillingCurrency JPY; set Cpst:Pricing:ExchangeRates:JPY (USD per unit)", refused.Message);
    }

    [Fact]
    public void Read_SkippedRowInACurrencyWithoutARate_IsNoReasonToRefuse()
    {
        string path = Write("jpy-tax.csv", Header + "\nTax,AI and Machine Learning,Amazon Bedrock,AWS,AWS,150,JPY,2025-03-01T00:00:00Z,1\n" +
            "Usage,AI and Machine Learning,Amazon Bedrock,AWS,AWS,1.5,USD,2025-03-01T00:00:00Z,1\n");

        Assert.Equal(["2025-03-01 aws.bedrock 1 1.5"], BillLines.Lines(Reader().Read(path).Amounts));
    }

    [Fact]
    public void Read_MissingColumn_IsRefusedNamingIt()
    {
        FocusFileException refused = Refused(Reader(), Fixture("missing-column.csv"));

        Assert.StartsWith("the header has no column BilledCost", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NoProviderColumn_IsRefused()
    {
        string path = Write("no-provider.csv", "ChargeCategory,ServiceCategory,ServiceName,BilledCost,BillingCurrency,ChargePeriodStart\n" +
            "Usage,AI and Machine Learning,Amazon Bedrock,1,USD,2025-03-01T00:00:00Z\n");

        Assert.StartsWith("the header has no column ProviderName", Refused(Reader(), path).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ServiceProviderNameColumn_StandsForProviderName()
    {
        string path = Write("later-draft.csv", "ChargeCategory,ServiceCategory,ServiceName,ServiceProviderName,HostProviderName,BilledCost,BillingCurrency,ChargePeriodStart\n" +
            "Usage,AI and Machine Learning,Amazon Bedrock,AWS,AWS,4.2,USD,2025-03-01T00:00:00Z\n");

        // No SubAccountId column: the account is empty.
        Assert.Equal(["2025-03-01 aws.bedrock  4.2"], BillLines.Lines(Reader().Read(path).Amounts));
    }

    [Fact]
    public void Read_NonNumericCost_IsRefusedWithItsLine()
    {
        FocusFileException refused = Refused(Reader(), Fixture("wrong-type-cost.csv"));

        Assert.Equal("line 3: BilledCost '12,50' is not a decimal number", refused.Message);
    }

    [Fact]
    public void Read_BadDate_IsRefusedWithItsLine()
    {
        FocusFileException refused = Refused(Reader(), Fixture("wrong-type-date.csv"));

        Assert.Equal("line 3: ChargePeriodStart '03/01/2025' is not an ISO 8601 date and time", refused.Message);
    }

    [Fact]
    public void Read_BadValueInASkippedRow_StillRefusesTheFile()
    {
        string path = Write("bad-tax.csv", Header + "\nTax,Compute,EC2,AWS,AWS,n/a,USD,2025-03-01T00:00:00Z,1\n");

        Assert.Equal("line 2: BilledCost 'n/a' is not a decimal number", Refused(Reader(), path).Message);
    }

    [Fact]
    public void Read_RowWithAnotherNumberOfFields_IsRefused()
    {
        string path = Write("short-row.csv", Header + "\nUsage,AI and Machine Learning,Amazon Bedrock,AWS,AWS,1,USD\n");

        Assert.Equal("line 2 has 7 fields where the header has 9", Refused(Reader(), path).Message);
    }

    [Fact]
    public void Read_EmptyFile_IsRefused()
    {
        Assert.StartsWith("the file is empty", Refused(Reader(), Write("empty.csv", "")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_HeaderOnly_IsAnEmptyBill()
    {
        FocusFileContent content = Reader().Read(Write("header-only.csv", Header + "\r\n"));

        Assert.Empty(content.Amounts);
        Assert.Equal(0, content.Rows);
    }

    [Fact]
    public void Read_FileLargerThanMaxFileBytes_IsRefused()
    {
        FocusFileException refused = Refused(Reader(null, ("MaxFileBytes", "1000")), Fixture("focus-1.0-aws.csv"));

        Assert.Contains("more than 1000 (Cpst:Billing:Focus:MaxFileBytes)", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_GzipExpandingPastMaxFileBytes_IsRefused()
    {
        string path = Path.Combine(_directory, "bomb.csv.gz");
        Gzip(Encoding.UTF8.GetBytes(Header + "\n" + new string(' ', 100_000)), path);

        FocusFileException refused = Refused(Reader(null, ("MaxFileBytes", "50000"), ("MaxFieldLength", "1000000")), path);

        Assert.Contains("larger than 50000 bytes", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MoreRowsThanMaxRows_IsRefused()
    {
        FocusFileException refused = Refused(Reader(null, ("MaxRows", "10")), Fixture("focus-1.0-aws.csv"));

        Assert.StartsWith("the file has more than 10 rows (Cpst:Billing:Focus:MaxRows)", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_FieldLongerThanMaxFieldLength_IsRefused()
    {
        string path = Write("long.csv", Header + "\nUsage,AI and Machine Learning,Amazon Bedrock,AWS,AWS,1,USD,2025-03-01T00:00:00Z," + new string('7', 101) + "\n");

        FocusFileException refused = Refused(Reader(null, ("MaxFieldLength", "100")), path);

        Assert.Equal("line 2, field 9 is longer than 100 characters (Cpst:Billing:Focus:MaxFieldLength)", refused.Message);
    }

    [Fact]
    public void Read_MoreAmountsThanMaxAmountsPerFile_IsRefused()
    {
        var rows = new StringBuilder(Header);
        for (int account = 0; account < 4; account++)
            rows.Append($"\nUsage,AI and Machine Learning,Amazon Bedrock,AWS,AWS,1,USD,2025-03-01T00:00:00Z,{account}");
        string path = Write("many.csv", rows.ToString());

        Assert.Equal(4, Reader(null, ("MaxAmountsPerFile", "4")).Read(path).Amounts.Count);
        FocusFileException refused = Refused(Reader(null, ("MaxAmountsPerFile", "3")), path);
        Assert.StartsWith("the counted rows fall on more than 3 distinct days, providers and accounts", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ValueInErrors_IsCutAndKeptOnOneLine()
    {
        string path = Write("hostile.csv", Header + "\nUsage,AI and Machine Learning,Amazon Bedrock,AWS,AWS,\"1\n\u001b[2J" + new string('x', 100) + "\",USD,2025-03-01T00:00:00Z,1\n");

        string message = Refused(Reader(), path).Message;

        Assert.DoesNotContain('\n', message);
        Assert.DoesNotContain('\u001b', message);
        Assert.EndsWith("…' is not a decimal number", message, StringComparison.Ordinal);
    }

    /// <summary>The columns the import reads, FOCUS 1.0 names, in a shorter header than an export's.</summary>
    private const string Header = "ChargeCategory,ServiceCategory,ServiceName,ProviderName,PublisherName,BilledCost,BillingCurrency,ChargePeriodStart,SubAccountId";

    private string Write(string name, string content)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        return path;
    }

    private static byte[] Gzip(byte[] content, string path)
    {
        using (var file = File.Create(path))
        using (var gzip = new GZipStream(file, CompressionLevel.Optimal))
            gzip.Write(content);
        return File.ReadAllBytes(path);
    }

    private static string Repeat(string csv, int times)
    {
        string[] lines = csv.Split('\n', 2);
        return lines[0] + "\n" + string.Concat(Enumerable.Repeat(lines[1], times));
    }
}
