using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace CpstExporter.Tests.Support;

/// <summary>
/// YAML read into plain values, as a YAML 1.2 reader sees them (core schema): maps as
/// <see cref="Dictionary{TKey,TValue}"/> of string keys, sequences as <see cref="List{T}"/>, plain scalars typed
/// (null, bool, long, double, string), quoted and block scalars as strings. Two documents that mean the same compare
/// equal with <see cref="Canonical"/>, whatever their layout, quoting style or comments.
/// </summary>
internal static partial class YamlTree
{
    public static List<object?> LoadAll(string text)
    {
        var stream = new YamlStream();
        using (var reader = new StringReader(text)) stream.Load(reader);
        return stream.Documents.Select(d => Convert(d.RootNode)).Where(d => d is not null).ToList();
    }

    public static object? Load(string text) => LoadAll(text).Single();

    public static List<object?> LoadAllFile(string path) => LoadAll(File.ReadAllText(path));

    public static object? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => map.Children.ToDictionary(c => ((YamlScalarNode)c.Key).Value ?? "", c => Convert(c.Value), StringComparer.Ordinal),
        YamlSequenceNode list => list.Children.Select(Convert).ToList(),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw new InvalidOperationException($"unsupported YAML node {node.NodeType} at {node.Start}"),
    };

    private static object? Scalar(YamlScalarNode scalar)
    {
        string value = scalar.Value ?? "";
        if (scalar.Style != YamlDotNet.Core.ScalarStyle.Plain || !scalar.Tag.IsEmpty) return value;
        if (value is "" or "~" or "null" or "Null" or "NULL") return null;
        if (value is "true" or "True" or "TRUE") return true;
        if (value is "false" or "False" or "FALSE") return false;
        if (Integer().IsMatch(value)) return long.Parse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        if (Float().IsMatch(value)) return double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);
        return value;
    }

    /// <summary>One JSON text per meaning: map keys sorted, so that two trees are equal exactly when this is.</summary>
    public static string Canonical(object? value) => JsonSerializer.Serialize(Sorted(value));

    private static object? Sorted(object? value) => value switch
    {
        Dictionary<string, object?> map => new SortedDictionary<string, object?>(map.ToDictionary(e => e.Key, e => Sorted(e.Value)), StringComparer.Ordinal),
        List<object?> list => list.Select(Sorted).ToList(),
        _ => value,
    };

    /// <summary>The value at <paramref name="path"/> (map keys, or list indexes as numbers); throws naming the path when absent.</summary>
    public static object? At(object? tree, params object[] path)
    {
        object? here = tree;
        foreach (object step in path)
        {
            here = (here, step) switch
            {
                (Dictionary<string, object?> map, string key) when map.TryGetValue(key, out object? next) => next,
                (List<object?> list, int index) when index < list.Count => list[index],
                _ => throw new KeyNotFoundException($"no {string.Join('.', path)} (stopped at {step})"),
            };
        }
        return here;
    }

    public static Dictionary<string, object?> Map(object? tree, params object[] path) =>
        At(tree, path) as Dictionary<string, object?> ?? throw new InvalidOperationException($"{string.Join('.', path)} is not a map");

    public static List<object?> List(object? tree, params object[] path) =>
        At(tree, path) as List<object?> ?? throw new InvalidOperationException($"{string.Join('.', path)} is not a list");

    public static string Text(object? tree, params object[] path) =>
        At(tree, path)?.ToString() ?? throw new InvalidOperationException($"{string.Join('.', path)} is null");

    [GeneratedRegex(@"^[-+]?[0-9]+$")]
    private static partial Regex Integer();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex Float();
}
