namespace CpstExporter.Receiving;

/// <summary>Why admission turns a write request away (a token before its body is read, the gate once it was received); each receiver answers it in its own protocol.</summary>
internal enum Refusal
{
    /// <summary>Authentication is on and the request has no bearer token: gRPC UNAUTHENTICATED, HTTP 401.</summary>
    MissingToken,

    /// <summary>The bearer token is not one of <c>Cpst:Auth:Tokens</c>: gRPC UNAUTHENTICATED, HTTP 401.</summary>
    InvalidToken,

    /// <summary>The gate is full: gRPC UNAVAILABLE with RetryInfo, HTTP 503 with Retry-After.</summary>
    Overloaded,

    /// <summary>The exporter is shutting down: answered as <see cref="Overloaded"/>, so clients retry (another replica, or this one restarted).</summary>
    ShuttingDown,
}
