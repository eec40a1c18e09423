using Xunit.Sdk;

namespace CpstExporter.Tests.Support;

/// <summary>
/// The Node.js agents under <c>tests/clients/</c>, each a folder with its own <c>package.json</c> and lock file: real
/// client libraries (the Vercel AI SDK, the OpenTelemetry JS SDK) driving the exporter as applications do.
/// </summary>
internal static class NodeClients
{
    public static string Directory(string client) => RepoFiles.Path("tests", "clients", client);

    /// <summary>Why <paramref name="client"/> cannot run on this machine (no node, packages not installed), or null when it can.</summary>
    public static string? Missing(string client)
    {
        if (Binaries.Find("node") is null) return "'node' is not installed; CI installs it (see .ci/run) and runs this test";
        if (!System.IO.Directory.Exists(Path.Combine(Directory(client), "node_modules")))
            return $"tests/clients/{client}/node_modules is missing: run 'npm ci' there; CI does (see .ci/run) and runs this test";
        return null;
    }

    /// <summary>Runs <c>node <paramref name="script"/></c> in the client's folder; fails with its output unless it exits 0 in time.</summary>
    public static async Task<string> RunAsync(string client, string script, string arguments, TimeSpan timeout)
    {
        if (Missing(client) is { } reason) throw new XunitException(reason);
        var (exitCode, output) = await Processes.RunAsync(Binaries.Find("node")!, $"{script} {arguments}", timeout: timeout, workingDirectory: Directory(client));
        if (exitCode != 0) throw new XunitException($"node {script} {arguments} exited with {exitCode}:\n{output}");
        return output;
    }
}
