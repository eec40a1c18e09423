using CpstExporter.Primitives;
using Microsoft.Extensions.Configuration;

namespace CpstExporter.Billing.Focus;

/// <summary>
/// The FOCUS import (<c>Cpst:Billing:Focus</c>, docs/billing.md "FOCUS exports"): the directory of exported CSV files,
/// which services count and under which provider, and the bounds a file must keep.
/// </summary>
internal sealed class FocusImportOptions
{
    /// <summary>The section below <c>Cpst</c> the scalar options are bound from, one key per settable property.</summary>
    public const string Section = "Billing:Focus";

    /// <summary>The keys read by hand rather than bound: lists and maps, whose names are the operator's.</summary>
    public static readonly string[] MapKeys = [$"{Section}:Services:*", $"{Section}:Providers:*"];

    /// <summary>Most characters of a provider name given in <see cref="Providers"/>.</summary>
    public const int MaxProviderNameLength = 64;

    /// <summary>
    /// The directory of FOCUS files (<c>*.csv</c>, <c>*.csv.gz</c>, in sub-directories too); empty = no FOCUS import.
    /// It must exist at start. Default empty.
    /// </summary>
    public string? Directory { get; set; }

    /// <summary>A larger file, on disk or once decompressed, is refused whole. Default 10737418240 (10 GiB).</summary>
    public long MaxFileBytes { get; set; } = 10L * 1024 * 1024 * 1024;

    /// <summary>A file with more rows (the header not counted) is refused whole. Default 100,000,000.</summary>
    public long MaxRows { get; set; } = 100_000_000;

    /// <summary>A file with a longer field, in characters, is refused whole. Default 65,536.</summary>
    public int MaxFieldLength { get; set; } = 65_536;

    /// <summary>
    /// A file whose counted rows fall on more distinct (day, provider, account) amounts is refused whole: the amounts of
    /// one file are what the import holds in memory. Default 100,000.
    /// </summary>
    public int MaxAmountsPerFile { get; set; } = 100_000;

    /// <summary>Files read from the directory, the first in path order; more are left out and logged. Default 1,000.</summary>
    public int MaxFiles { get; set; } = 1_000;

    /// <summary>
    /// Seconds between full rescans of the directory, the safety net for changes the file-system watcher did not
    /// report (network and bind mounts, a full event queue). Default 60.
    /// </summary>
    public int RescanSeconds { get; set; } = 60;

    /// <summary>
    /// Seconds a changed file's size and time must stay the same before it is read, so a file still being written is
    /// not read half-way; 0 reads a change at once. Default 2.
    /// </summary>
    public int SettleSeconds { get; set; } = 2;

    /// <summary>
    /// <c>Cpst:Billing:Focus:Services:&lt;n&gt;</c>: patterns of <c>ServiceName</c>s that count as AI/ML besides the rows
    /// whose <c>ServiceCategory</c> is <c>AI and Machine Learning</c>. Default: none.
    /// </summary>
    public IReadOnlyList<ServiceNamePattern> Services { get; private set; } = [];

    /// <summary>
    /// <c>Cpst:Billing:Focus:Providers:&lt;ServiceName&gt;</c>: the provider a service's rows are billed under, before the
    /// built-in mapping; the name is lower-cased. Default: none.
    /// </summary>
    public IReadOnlyDictionary<string, string> Providers { get; private set; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether a FOCUS import runs.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(Directory);

    /// <summary>Binds the scalar keys and reads the lists and maps; <see cref="Validate"/> checks them.</summary>
    /// <exception cref="CpstConfigurationException">A pattern or a provider name is empty or not usable; the message names the key.</exception>
    public static FocusImportOptions Read(IConfigurationSection cpst)
    {
        IConfigurationSection section = cpst.GetSection(Section);
        FocusImportOptions options = section.Get<FocusImportOptions>() ?? new FocusImportOptions();

        var services = new List<ServiceNamePattern>();
        foreach (IConfigurationSection pattern in section.GetSection("Services").GetChildren())
        {
            if (string.IsNullOrWhiteSpace(pattern.Value))
                throw new CpstConfigurationException($"Cpst:{Section}:Services:{pattern.Key} is empty; give a ServiceName pattern such as 'Amazon SageMaker*'");
            services.Add(ServiceNamePattern.Parse(pattern.Value.Trim()));
        }

        var providers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (IConfigurationSection provider in section.GetSection("Providers").GetChildren())
        {
            string name = provider.Value?.Trim().ToLowerInvariant() ?? "";
            if (name.Length is 0 or > MaxProviderNameLength || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
                throw new CpstConfigurationException($"Cpst:{Section}:Providers:{provider.Key}: '{provider.Value}' is not a provider name; " +
                    $"give the provider the traces name, such as aws.bedrock (letters, digits, '.', '_', '-'; at most {MaxProviderNameLength})");
            providers[provider.Key] = name;
        }

        options.Services = services;
        options.Providers = providers;
        return options;
    }

    /// <summary>Throws <see cref="CpstConfigurationException"/> naming the first key out of its range.</summary>
    public void Validate()
    {
        if (Enabled && !System.IO.Directory.Exists(Directory))
            throw new CpstConfigurationException($"{Key(nameof(Directory))}: no directory at {Path.GetFullPath(Directory!)}; " +
                "create it (or mount the volume the FOCUS exports are synced to) before the start, or leave the key empty");
        CpstConfigurationException.ThrowIfNotPositive(MaxFileBytes, Key(nameof(MaxFileBytes)));
        CpstConfigurationException.ThrowIfNotPositive(MaxRows, Key(nameof(MaxRows)));
        CpstConfigurationException.ThrowIfNotPositive(MaxFieldLength, Key(nameof(MaxFieldLength)));
        CpstConfigurationException.ThrowIfNotPositive(MaxAmountsPerFile, Key(nameof(MaxAmountsPerFile)));
        CpstConfigurationException.ThrowIfNotPositive(MaxFiles, Key(nameof(MaxFiles)));
        CpstConfigurationException.ThrowIfNotPositive(RescanSeconds, Key(nameof(RescanSeconds)));
        if (SettleSeconds < 0)
            throw new CpstConfigurationException($"{Key(nameof(SettleSeconds))} must be 0 (read at once) or a positive number of seconds, not {SettleSeconds}");
    }

    /// <summary>The full name of a key of this section, as an error names it.</summary>
    private static string Key(string property) => $"Cpst:{Section}:{property}";
}
