using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Matching;
using Microsoft.AspNetCore.Routing.Patterns;

namespace CpstExporter.Hosting;

/// <summary>
/// Keeps an endpoint that carries <see cref="ListenerMetadata"/> from answering on any other listener than its own, as
/// <c>RequireHost</c> does for a host: by the <see cref="Listener"/> the connection was accepted on
/// (<see cref="ListenerBinding.Of"/>), not by the Host header, which names whatever a proxy or a port mapping made of
/// the port. Each listener so has its own paths, and its own fallback, in one route table.
/// </summary>
internal sealed class ListenerMatcherPolicy : MatcherPolicy, IEndpointSelectorPolicy
{
    /// <summary>After routing's own policies: this one only takes candidates away.</summary>
    public override int Order => 0;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints)
    {
        foreach (Endpoint endpoint in endpoints)
            if (endpoint.Metadata.GetMetadata<ListenerMetadata>() is not null) return true;
        return false;
    }

    public Task ApplyAsync(HttpContext httpContext, CandidateSet candidates)
    {
        Listener? listener = ListenerBinding.Of(httpContext);
        string path = httpContext.Request.Path.Value ?? "";
        for (int i = 0; i < candidates.Count; i++)
        {
            if (!candidates.IsValidCandidate(i) || candidates[i].Endpoint.Metadata.GetMetadata<ListenerMetadata>() is not { } only) continue;
            if (only.Listener != listener || only.ExactPath && !SpelledAsRouted(candidates[i].Endpoint, path)) candidates.SetValidity(i, false);
        }
        return Task.CompletedTask;
    }

    /// <summary>Whether the path spells the route's literal segments as the route does (ordinal), with nothing after a literal route.</summary>
    private static bool SpelledAsRouted(Endpoint endpoint, string path)
    {
        if (endpoint is not RouteEndpoint route) return true;
        IReadOnlyList<RoutePatternPathSegment> segments = route.RoutePattern.PathSegments;
        int at = 0;
        for (int i = 0; i < segments.Count; i++) // not foreach: its enumerator would be allocated per request
        {
            if (segments[i].Parts is not [RoutePatternLiteralPart literal]) return true; // a parameter: the rest is the handler's to judge
            if (at >= path.Length || path[at] != '/' || !path.AsSpan(at + 1).StartsWith(literal.Content, StringComparison.Ordinal)) return false;
            at += 1 + literal.Content.Length;
        }
        return at == path.Length;
    }
}
