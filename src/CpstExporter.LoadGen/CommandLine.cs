using System.Globalization;

namespace CpstExporter.LoadGen;

/// <summary>
/// <c>command --name value …</c> (or <c>--name=value</c>). Values are parsed with the invariant culture; an option
/// the command does not read is an error, so a typo fails at once instead of being ignored.
/// </summary>
internal sealed class CommandLine
{
    private readonly Dictionary<string, string> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    private CommandLine(string command) => Command = command;

    public string Command { get; }

    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var line = new CommandLine(args.Count > 0 ? args[0] : "help");
        for (int i = 1; i < args.Count; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
                throw new UsageException($"unexpected argument '{arg}': options are written --name value");
            string name, value;
            int equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                name = arg[2..equals];
                value = arg[(equals + 1)..];
            }
            else
            {
                name = arg[2..];
                if (i + 1 >= args.Count) throw new UsageException($"option --{name} needs a value");
                value = args[++i];
            }
            if (!line._options.TryAdd(name, value)) throw new UsageException($"option --{name} is given twice");
        }
        return line;
    }

    public string? String(string name)
    {
        _read.Add(name);
        return _options.TryGetValue(name, out string? value) ? value : null;
    }

    public double? Double(string name, double min = double.MinValue)
    {
        string? text = String(name);
        if (text is null) return null;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value) || value < min)
            throw new UsageException($"--{name} '{text}' is not a number of at least {min.ToString(CultureInfo.InvariantCulture)}");
        return value;
    }

    public int? Int(string name, int min = int.MinValue)
    {
        string? text = String(name);
        if (text is null) return null;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) || value < min)
            throw new UsageException($"--{name} '{text}' is not a whole number of at least {min.ToString(CultureInfo.InvariantCulture)}");
        return value;
    }

    public Uri? Url(string name)
    {
        string? text = String(name);
        if (text is null) return null;
        return ParseUrl(name, text);
    }

    public static Uri ParseUrl(string name, string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out Uri? url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            throw new UsageException($"--{name} '{text}' is not an http:// or https:// URL");
        return url;
    }

    /// <summary>Fails on any option no getter asked for.</summary>
    public void RejectUnknown()
    {
        string? unknown = _options.Keys.FirstOrDefault(k => !_read.Contains(k));
        if (unknown is not null)
            throw new UsageException($"unknown option --{unknown} for '{Command}'; known: {string.Join(", ", _read.Order(StringComparer.Ordinal).Select(r => "--" + r))}");
    }
}
