using System.Net.Http.Headers;
using CpstExporter.Tests.Support;
using Google.Protobuf;
using Xunit;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>Pending tasks survive a restart through <c>Cpst:Tasks:StateFile</c>; a corrupt file never stops the start.</summary>
public sealed class StateFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cpst-state-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Restart_PendingTaskWaitingForOutcome_IsCountedAfterRestart()
    {
        string path = Path.Combine(_dir, "state.json");
        var settings = new Dictionary<string, string?> { ["Cpst:Tasks:StateFile"] = path };

        await using (var first = await ExporterUnderTest.StartAsync(settings))
        {
            byte[] trace = Spans.Request("reviewer", Spans.Root(21), Spans.Llm(21, 2, "gpt-4o", 2000, 100)).ToByteArray();
            using var content = new ByteArrayContent(trace);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
            using var client = new HttpClient();
            (await client.PostAsync(new Uri(first.HttpAddress, "/v1/traces"), content)).EnsureSuccessStatusCode();
            Assert.Equal(1, first.Tasks.PendingCount);
        }
        Assert.True(File.Exists(path), "the state file was not written on shutdown");

        await using var second = await ExporterUnderTest.StartAsync(settings);
        Assert.Equal(1, second.Tasks.PendingCount);
        second.Settle(seconds: 901); // the outcome window passes without an outcome
        Assert.Equal(0.006m, MetricsText.Required(await second.ScrapeAsync(),
            "cpst_task_cost_usd_total{use_case=\"reviewer\",outcome=\"unknown\",model=\"gpt-4o\",environment=\"none\",variant=\"none\"}"));
    }

    [Fact]
    public async Task Start_CorruptStateFile_IsMovedAsideAndServiceStarts()
    {
        string path = Path.Combine(_dir, "state.json");
        await File.WriteAllTextAsync(path, "{ not json");

        await using var exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?> { ["Cpst:Tasks:StateFile"] = path });

        Assert.Equal(0, exporter.Tasks.PendingCount);
        Assert.False(File.Exists(path));
        Assert.Single(Directory.GetFiles(_dir, "state.json.unreadable-*"));
    }
}
