namespace CpstExporter.Receiving;

/// <summary>A resource's attributes, shared by the spans that point at it.</summary>
internal struct ResourceRecord
{
    public int AttributeStart;
    public int AttributeCount;
}
