namespace CpstExporter.Conventions;

/// <summary>The facts a resource gives every span under it.</summary>
internal readonly record struct ResourceFacts(string? ServiceName, string? Environment, string? UseCase = null);
