using System.Globalization;
using System.Text;
using CpstExporter.Billing.Focus;
using CpstExporter.Pricing;
using Microsoft.Extensions.Configuration;
using Xunit.Abstractions;

namespace CpstExporter.Tests.Billing.Focus;

/// <summary>
/// A FOCUS file of ten million rows goes through the reader a row at a time: the managed heap, measured after full
/// collections while the rows stream in, stays within a few megabytes of where it started, reading a row allocates
/// nothing, and the sums are exact.
/// </summary>
[Collection(HeavyTests.Name)]
public sealed class FocusStreamingTests(ITestOutputHelper output)
{
    private const long Rows = 10_000_000;

    /// <summary>The heap may grow by this much while the file is read: the reader's buffers and the sums, not the rows.</summary>
    private const long HeapAllowance = 16 * 1024 * 1024;

    /// <summary>Bytes the read may allocate in all: buffers, account names and the result, under a byte a row.</summary>
    private const long AllocationAllowance = 8 * 1024 * 1024;

    [Fact]
    public void Read_TenMillionRows_KeepsOnlyTheSumsInMemory()
    {
        FocusImportOptions options = FocusImportOptions.Read(new ConfigurationBuilder().Build().GetSection("Cpst"));
        var reader = new FocusFileReader(options, ExchangeRates.UsdOnly);
        var rows = new GeneratedFocusRows(Rows);
        long baseline = GC.GetTotalMemory(forceFullCollection: true);
        rows.OnMillion = () => rows.HeapPeak = Math.Max(rows.HeapPeak, GC.GetTotalMemory(forceFullCollection: true) - baseline);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        TimeSpan cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        long allocated = GC.GetAllocatedBytesForCurrentThread();

        FocusFileContent content = reader.Read(rows);

        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;

        cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu;
        output.WriteLine($"{Rows:N0} rows in {watch.Elapsed.TotalSeconds:F1} s ({cpu.TotalSeconds:F1} s of CPU); heap grew at most {rows.HeapPeak / 1024.0 / 1024.0:F1} MB; {allocated:N0} bytes allocated");
        Assert.Equal(Rows, rows.Emitted);
        Assert.True(rows.HeapPeak < HeapAllowance, $"the heap grew by {rows.HeapPeak:N0} bytes while the rows streamed in");
        // A row allocates nothing: no strings of its fields, no boxed numbers.
        Assert.True(allocated < AllocationAllowance, $"reading {Rows:N0} rows allocated {allocated:N0} bytes");
        Assert.Equal(Rows, content.Rows);
        Assert.Equal(GeneratedFocusRows.Expected(Rows), BillLines.Lines(content.Amounts));
        Assert.Equal(Rows / 5 * 3, content.Counted);
        Assert.Equal((Rows / 5, Rows / 5), (content.NotUsage, content.NotAiService));
    }

    /// <summary>
    /// A FOCUS file made while it is read: a header, then a cycle of <see cref="Templates"/> row kinds (Bedrock, OpenAI and
    /// Anthropic usage; a compute row and a tax row, skipped) over 31 days and 10 accounts, each with a cost of its own.
    /// </summary>
    private sealed class GeneratedFocusRows(long rows) : Stream
    {
        private const int Templates = 1000;
        private static readonly byte[] Header = Encoding.UTF8.GetBytes(
            "ChargeCategory,ServiceCategory,ServiceName,ProviderName,PublisherName,BilledCost,BillingCurrency,ChargePeriodStart,SubAccountId\r\n");
        private static readonly byte[][] RowBytes = [.. Enumerable.Range(0, Templates).Select(t => Encoding.UTF8.GetBytes(Row(t)))];

        private byte[] _current = Header;
        private int _offset;

        public long Emitted { get; private set; }
        public long HeapPeak { get; set; }
        public Action? OnMillion { get; set; }

        private static (string Line, DateOnly Day, string? Provider, string Account, decimal Usd) Template(int t)
        {
            var day = new DateOnly(2025, 3, 1).AddDays(t % 31);
            string account = $"acct-{t % 10}";
            decimal usd = (t + 1) / 10000m;
            string cost = usd.ToString(CultureInfo.InvariantCulture);
            string start = $"{day:yyyy-MM-dd}T{t % 24:D2}:00:00Z";
            return (t % 5) switch
            {
                0 => ($"Usage,AI and Machine Learning,Amazon Bedrock,AWS,AWS,{cost},USD,{start},{account}", day, "aws.bedrock", account, usd),
                1 => ($"Usage,AI and Machine Learning,OpenAI API,OpenAI,OpenAI,{cost},USD,{start},{account}", day, "openai", account, usd),
                2 => ($"Usage,AI and Machine Learning,\"Claude API, batch\",Anthropic,Anthropic,{cost},USD,{start},{account}", day, "anthropic", account, usd),
                3 => ($"Usage,Compute,Amazon Elastic Compute Cloud,AWS,AWS,{cost},USD,{start},{account}", day, null, account, usd),
                _ => ($"Tax,AI and Machine Learning,Amazon Bedrock,AWS,AWS,{cost},USD,{start},{account}", day, null, account, usd),
            };
        }

        private static string Row(int t) => Template(t).Line + (t % 2 == 0 ? "\n" : "\r\n");

        /// <summary>The sums the reader must find: each template occurs rows / 1000 times.</summary>
        public static string[] Expected(long rows)
        {
            var sums = new Dictionary<(DateOnly, string, string), decimal>();
            for (int t = 0; t < Templates; t++)
            {
                var (_, day, provider, account, usd) = Template(t);
                if (provider is null) continue;
                sums[(day, provider, account)] = sums.GetValueOrDefault((day, provider, account)) + usd * (rows / Templates);
            }
            return [.. sums.OrderBy(s => s.Key.Item1).ThenBy(s => s.Key.Item2, StringComparer.Ordinal).ThenBy(s => s.Key.Item3, StringComparer.Ordinal)
                .Select(s => BillLines.Line(new CpstExporter.Billing.BilledAmount(s.Key.Item1, s.Key.Item2, s.Key.Item3, s.Value)))];
        }

        public override int Read(Span<byte> buffer)
        {
            int written = 0;
            while (written < buffer.Length)
            {
                if (_offset == _current.Length)
                {
                    if (Emitted == rows) break;
                    _current = RowBytes[Emitted % Templates];
                    _offset = 0;
                    if (++Emitted % 1_000_000 == 0) OnMillion?.Invoke();
                }
                int n = Math.Min(buffer.Length - written, _current.Length - _offset);
                _current.AsSpan(_offset, n).CopyTo(buffer[written..]);
                _offset += n;
                written += n;
            }
            return written;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
