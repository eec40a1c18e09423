using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>
/// <c>grpc.health.v1.Health/Check</c> on the OTLP/gRPC listener, as load balancers and Kubernetes gRPC probes call it
/// (here with the client of Grpc.HealthCheck): SERVING while started, NOT_SERVING once stopping; never behind a token.
/// </summary>
public sealed class GrpcHealthTests
{
    [Fact]
    public async Task Check_WhileRunning_Serving()
    {
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync();
        using GrpcChannel channel = GrpcClient.Channel(exporter.GrpcAddress);

        HealthCheckResponse response = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest());

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task Check_WithAuthOn_NeedsNoToken()
    {
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?> { ["Cpst:Auth:Tokens:0"] = "write-token" });
        using GrpcChannel channel = GrpcClient.Channel(exporter.GrpcAddress);

        HealthCheckResponse response = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest());

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
        var refused = await Assert.ThrowsAsync<RpcException>(() => GrpcClient.ExportAsync(channel, []));
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
    }

    [Fact]
    public async Task Check_OnceStopping_NotServing()
    {
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync();
        using GrpcChannel channel = GrpcClient.Channel(exporter.GrpcAddress);
        var client = new Health.HealthClient(channel);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await client.CheckAsync(new HealthCheckRequest())).Status);

        // What SIGTERM does first; the listeners still answer until the host goes on to stop them.
        exporter.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, (await client.CheckAsync(new HealthCheckRequest())).Status);
    }

    [Fact]
    public async Task Check_UnknownService_NotFound()
    {
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync();
        using GrpcChannel channel = GrpcClient.Channel(exporter.GrpcAddress);

        var e = await Assert.ThrowsAsync<RpcException>(() => new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest { Service = "no.such.Service" }).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, e.StatusCode);
    }
}
