using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using CpstExporter.Pricing;
using CpstExporter.Primitives;

namespace CpstExporter.Billing.Focus;

/// <summary>
/// Reads one FOCUS CSV file, plain or gzip (by its <c>.gz</c> name or its first bytes), a row at a time, into the
/// USD billed per day, provider and account (docs/billing.md, "FOCUS exports"). Memory stays bounded whatever the
/// number of rows: only the sums are kept. A file that breaks a rule or a bound is refused whole with
/// <see cref="FocusFileException"/>: a required column missing, a row with another number of fields than the header, a
/// <c>BilledCost</c> that is not a number, a <c>ChargePeriodStart</c> that is not a date, a counted row in a currency
/// without an exchange rate, a gzip file cut short. Half a bill would read as a drop in spend, so none is taken.
/// </summary>
internal sealed class FocusFileReader(FocusImportOptions options, ExchangeRates rates)
{
    /// <summary>Service names of unmapped AI/ML rows named in the log line, at most.</summary>
    public const int UnknownServicesNamed = 5;

    private const NumberStyles Number = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent;
    private const int GzipTrailerBytes = 8;

    private readonly FocusServiceRules _rules = new(options);

    /// <exception cref="FocusFileException">The file is refused; the message says why and where.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public FocusFileContent Read(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, FileOptions.SequentialScan);
        if (file.Length > options.MaxFileBytes)
            throw new FocusFileException($"the file is {file.Length} bytes, more than {options.MaxFileBytes} (Cpst:Billing:Focus:MaxFileBytes)");
        if (!path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) && !StartsAsGzip(file)) return Read(file);

        (uint crc, uint length) = ReadGzipTrailer(file);
        using var content = new CheckedContentStream(new GZipStream(file, CompressionMode.Decompress, leaveOpen: true), options.MaxFileBytes, computeCrc: true);
        try
        {
            FocusFileContent read = ReadCsv(content);
            if (!MatchesTrailer(content, crc, length)) throw CutShort();
            return read;
        }
        catch (FocusFileException)
        {
            // A file cut short mostly ends in a broken row: say what is wrong with the file, not with its last line.
            if (content.BytesRead <= options.MaxFileBytes && !DrainsToTrailer(content, crc, length)) throw CutShort();
            throw;
        }
        catch (InvalidDataException e)
        {
            throw new FocusFileException($"the gzip content is corrupt: {e.Message}");
        }
    }

    private static bool MatchesTrailer(CheckedContentStream content, uint crc, uint length) =>
        content.Crc == crc && unchecked((uint)content.BytesRead) == length;

    /// <summary>Reads what is left of the content (bounded as it is); whether the whole then matches the trailer.</summary>
    private static bool DrainsToTrailer(CheckedContentStream content, uint crc, uint length)
    {
        try
        {
            content.CopyTo(Stream.Null);
        }
        catch (Exception e) when (e is FocusFileException or InvalidDataException)
        {
            return false;
        }
        return MatchesTrailer(content, crc, length);
    }

    private static FocusFileException CutShort() =>
        new("the gzip content does not match its trailer: the file is cut short or corrupt, or holds several " +
            "gzip members one after another (decompress it and compress it again as one)");

    /// <summary>Reads plain CSV from <paramref name="csv"/>, to its end.</summary>
    /// <exception cref="FocusFileException">The content is refused.</exception>
    public FocusFileContent Read(Stream csv)
    {
        using var content = new CheckedContentStream(csv, options.MaxFileBytes, computeCrc: false);
        return ReadCsv(content);
    }

    private FocusFileContent ReadCsv(Stream content)
    {
        using var text = new StreamReader(content, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 64 * 1024, leaveOpen: true);
        var csv = new CsvRecordReader(text, options.MaxFieldLength);
        FocusHeader header = FocusHeader.Read(csv);
        var amounts = new FocusAmounts(options.MaxAmountsPerFile);
        var unknownServices = new List<string>();
        var currency = new CurrencyCache(rates);
        long rows = 0, counted = 0, notUsage = 0, notAiService = 0, unknownProvider = 0;
        decimal total = 0;

        while (csv.Read())
        {
            if (++rows > options.MaxRows)
                throw new FocusFileException($"the file has more than {options.MaxRows} rows (Cpst:Billing:Focus:MaxRows): split the export, or raise the limit");
            if (csv.FieldCount != header.Count)
                throw new FocusFileException($"line {csv.Line} has {csv.FieldCount} fields where the header has {header.Count}");

            // Every row's cost and date are read, counted or not: a value of the wrong type means a broken or shifted file.
            ReadOnlySpan<char> cost = csv.Field(header.BilledCost);
            if (!decimal.TryParse(cost, Number, CultureInfo.InvariantCulture, out decimal billed))
                throw new FocusFileException($"line {csv.Line}: BilledCost '{FocusFileException.Shown(cost)}' is not a decimal number");
            ReadOnlySpan<char> start = csv.Field(header.ChargePeriodStart);
            if (!FocusTimestamp.TryParseUtcDay(start, out DateOnly day))
                throw new FocusFileException($"line {csv.Line}: ChargePeriodStart '{FocusFileException.Shown(start)}' is not an ISO 8601 date and time");

            ReadOnlySpan<char> service = csv.Field(header.ServiceName);
            FocusRowKind kind = _rules.Classify(csv.Field(header.ChargeCategory), csv.Field(header.ServiceCategory), service,
                csv.Field(header.Provider), header.Publisher >= 0 ? csv.Field(header.Publisher) : default, out string? provider);
            switch (kind)
            {
                case FocusRowKind.NotUsage:
                    notUsage++;
                    continue;
                case FocusRowKind.NotAiService:
                    notAiService++;
                    continue;
                case FocusRowKind.UnknownProvider:
                    unknownProvider++;
                    NoteUnknown(unknownServices, service.Trim());
                    continue;
            }

            ReadOnlySpan<char> code = csv.Field(header.BillingCurrency).Trim();
            if (!currency.TryToUsd(billed, code, out decimal usd))
                throw new FocusFileException(code.IsEmpty ? $"line {csv.Line}: BillingCurrency is empty"
                    : $"line {csv.Line}: no exchange rate for the BillingCurrency {FocusFileException.Shown(code)}; set Cpst:Pricing:ExchangeRates:{FocusFileException.Shown(code)} (USD per unit)");
            amounts.Add(day, provider!, header.SubAccountId >= 0 ? csv.Field(header.SubAccountId).Trim() : default, usd);
            total = Saturating.Add(total, usd);
            counted++;
        }
        return new FocusFileContent(amounts.ToList(), rows, counted, notUsage, notAiService, unknownProvider, unknownServices, total);
    }

    private static void NoteUnknown(List<string> names, ReadOnlySpan<char> service)
    {
        if (names.Count >= UnknownServicesNamed) return;
        foreach (string name in names)
            if (service.SequenceEqual(name)) return;
        names.Add(FocusFileException.Shown(service));
    }

    private static bool StartsAsGzip(FileStream file)
    {
        Span<byte> magic = stackalloc byte[2];
        int read = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Position = 0;
        return read == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
    }

    /// <summary>The CRC-32 and length (modulo 2^32) of the content, the last eight bytes of a gzip file.</summary>
    private static (uint Crc, uint Length) ReadGzipTrailer(FileStream file)
    {
        if (file.Length < 18) throw new FocusFileException("the file is too short to be gzip: it is cut short");
        Span<byte> trailer = stackalloc byte[GzipTrailerBytes];
        file.Position = file.Length - GzipTrailerBytes;
        file.ReadExactly(trailer);
        file.Position = 0;
        return (BinaryPrimitives.ReadUInt32LittleEndian(trailer), BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]));
    }

    /// <summary>The rate of the last currency seen, so a file in one currency looks its rate up once, not per row.</summary>
    private sealed class CurrencyCache(ExchangeRates rates)
    {
        private string? _code;
        private bool _known;

        public bool TryToUsd(decimal amount, ReadOnlySpan<char> code, out decimal usd)
        {
            usd = 0;
            if (code.IsEmpty) return false;
            if (_code is null || !code.Equals(_code, StringComparison.OrdinalIgnoreCase))
            {
                _code = code.ToString();
                _known = rates.TryToUsd(0, _code, out _);
            }
            return _known && rates.TryToUsd(amount, _code, out usd);
        }
    }
}
