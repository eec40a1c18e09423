namespace CpstExporter.Receiving;

/// <summary>The OTLP AnyValue cases; arrays, maps and bytes are kept only as "present" since no convention reads them.</summary>
internal enum AttributeValueKind : byte
{
    Empty = 0,
    String,
    Bool,
    Int,
    Double,
    Other,
}
