namespace CpstExporter.LoadGen;

/// <summary>A command line the load generator cannot run: the message says what was wrong and what to write instead.</summary>
internal sealed class UsageException(string message) : Exception(message);
