namespace CpstExporter.Billing.CostApi;

/// <summary>
/// One provider's cost API: the file its admin key is read from at each poll (null: the provider is not polled), and
/// where the API is (<see cref="BaseUrl"/>, the provider's own by default; a proxy's or a test server's otherwise).
/// </summary>
internal sealed record CostApiEndpointOptions(string? AdminKeyFile, Uri BaseUrl)
{
    public bool IsEnabled => AdminKeyFile is not null;

    /// <summary>The URL of <paramref name="path"/> below <see cref="BaseUrl"/>, keeping any path prefix a proxy has.</summary>
    public Uri Resolve(string path) => new(BaseUrl.AbsoluteUri.TrimEnd('/') + "/" + path.TrimStart('/'));
}
