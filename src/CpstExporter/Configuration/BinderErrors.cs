using System.Text.RegularExpressions;

namespace CpstExporter.Configuration;

/// <summary>
/// Rewords the configuration binder's "Failed to convert configuration value 'x' at 'Cpst:…' to type
/// 'System.Int32'" for an operator: the key, the value, and what to write instead.
/// </summary>
internal static partial class BinderErrors
{
    public static string Describe(InvalidOperationException e)
    {
        Match match = BinderError().Match(e.Message);
        if (!match.Success) return $"invalid configuration: {e.Message}";
        string wanted = match.Groups["type"].Value switch
        {
            "System.Int32" => "a whole number (up to 2147483647)",
            "System.Int64" => "a whole number",
            "System.Decimal" or "System.Double" => "a number such as 0.05 (with a dot)",
            "System.Boolean" => "true or false",
            "System.TimeSpan" => "a duration such as 00:00:30",
            var other => $"a {other.Replace("System.", "", StringComparison.Ordinal)}",
        };
        return $"{match.Groups["key"].Value}: '{match.Groups["value"].Value}' is not {wanted}; fix the value";
    }

    [GeneratedRegex("^Failed to convert configuration value '(?<value>.*)' at '(?<key>[^']*)' to type '(?<type>[^']*)'", RegexOptions.Singleline)]
    private static partial Regex BinderError();
}
