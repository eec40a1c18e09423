using CpstExporter.Primitives;

namespace CpstExporter.Tasks;

/// <summary>
/// A signal an outcome policy lists: <c>span</c>, <c>error</c>, <c>api</c>, <c>api:&lt;source&gt;</c>, <c>evaluation</c>,
/// <c>evaluation:&lt;name&gt;</c>. <see cref="Qualifier"/> is the source or the evaluation's name, null for any.
/// </summary>
internal readonly record struct OutcomeSignal(OutcomeSource Kind, string? Qualifier)
{
    public static bool TryParse(string? text, out OutcomeSignal signal)
    {
        signal = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        text = text.Trim();
        int colon = text.IndexOf(':');
        string kind = colon < 0 ? text : text[..colon];
        string? qualifier = colon < 0 ? null : text[(colon + 1)..];
        if (qualifier is not null && qualifier.Length == 0) return false;
        switch (kind.ToLowerInvariant())
        {
            case "span" when qualifier is null: signal = new(OutcomeSource.Span, null); return true;
            case "error" when qualifier is null: signal = new(OutcomeSource.Error, null); return true;
            case "api" when qualifier is null || OutcomeSourceWord.IsValid(qualifier): signal = new(OutcomeSource.Api, qualifier?.ToLowerInvariant()); return true;
            case "evaluation": signal = new(OutcomeSource.Evaluation, qualifier); return true;
            default: return false;
        }
    }

    public override string ToString() => (Kind.LabelValue(), Qualifier) switch
    {
        (var k, null) => k,
        (var k, var q) => $"{k}:{q}",
    };
}
