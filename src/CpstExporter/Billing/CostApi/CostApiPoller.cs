using System.Net;
using System.Net.Http.Headers;
using CpstExporter.Pricing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CpstExporter.Billing.CostApi;

/// <summary>
/// Polls one provider's cost API at start and every <see cref="CostApiOptions.PollMinutes"/>: the previous and the
/// current UTC month, every page, summed per day and account, handed to the <see cref="IBillSink"/> as one snapshot per
/// month, and only when the whole poll succeeded. A failed poll changes nothing and is counted
/// (<see cref="IBillSink.Failed"/>): the last good figures stay. docs/billing.md "OpenAI and Anthropic cost APIs".
/// </summary>
internal sealed partial class CostApiPoller : BackgroundService
{
    /// <summary>Pages read for one month before the poll fails; a month is one page of 31 daily buckets when the provider pages by day.</summary>
    public const int MaxPagesPerMonth = 100;

    /// <summary>Largest page, after decompression.</summary>
    public const int MaxPageBytes = 8 * 1024 * 1024;

    /// <summary>One request, from sending it to the last byte of its answer, so a slow trickle cannot hold a poll.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(60);

    /// <summary>A whole poll, its retries and waits included.</summary>
    public static readonly TimeSpan PollTimeout = TimeSpan.FromMinutes(15);

    private static readonly ProductInfoHeaderValue UserAgent = new("cpst-exporter", typeof(CostApiPoller).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");

    private readonly ICostApi _api;
    private readonly CostApiEndpointOptions _endpoint;
    private readonly string _keyFile;
    private readonly TimeSpan _interval;
    private readonly IBillSink _sink;
    private readonly ExchangeRates _rates;
    private readonly TimeProvider _time;
    private readonly CostApiRetry _retry;
    private readonly ILogger _logger;
    private readonly HttpClient _http;
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private int _retries;

    /// <param name="endpoint">Its <see cref="CostApiEndpointOptions.AdminKeyFile"/> must be set.</param>
    public CostApiPoller(ICostApi api, CostApiEndpointOptions endpoint, TimeSpan interval, IBillSink sink, ExchangeRates rates,
        TimeProvider time, CostApiRetry retry, ILogger<CostApiPoller> logger)
    {
        _api = api;
        _endpoint = endpoint;
        _keyFile = endpoint.AdminKeyFile ?? throw new ArgumentException("the admin key file is not set", nameof(endpoint));
        _interval = interval;
        _sink = sink;
        _rates = rates;
        _time = time;
        _retry = retry;
        _logger = logger;
        _http = new HttpClient(new SocketsHttpHandler
        {
            // A redirect would carry Anthropic's x-api-key to wherever it points: a 3xx fails the poll instead.
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.All,
            ConnectTimeout = TimeSpan.FromSeconds(30),
            PooledConnectionLifetime = TimeSpan.FromMinutes(10), // DNS changes of the provider's API are followed
        })
        {
            Timeout = Timeout.InfiniteTimeSpan, // the deadlines are RequestTimeout and PollTimeout, on the TimeProvider
            MaxResponseContentBufferSize = MaxPageBytes,
        };
        _http.DefaultRequestHeaders.UserAgent.Add(UserAgent);
    }

    public BillingSource Source => _api.Source;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_interval, _time);
        do await PollOnceAsync(stoppingToken).ConfigureAwait(false);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>
    /// One poll: reads both months and replaces them in the sink, or counts a failure and replaces nothing. True when it
    /// succeeded. Polls run one at a time.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="stoppingToken"/> was cancelled: the host is stopping.</exception>
    public async Task<bool> PollOnceAsync(CancellationToken stoppingToken)
    {
        await _oneAtATime.WaitAsync(stoppingToken).ConfigureAwait(false);
        string? key = null;
        try
        {
            _retries = 0;
            using var deadline = new CancellationTokenSource(PollTimeout, _time);
            using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, deadline.Token);
            try
            {
                key = AdminKeyFile.Read(_keyFile);
                var months = new List<MonthTotals>();
                foreach (BillingMonth month in BillingMonth.ToPoll(_time.GetUtcNow()))
                    months.Add(await ReadMonthAsync(key, month, cancel.Token).ConfigureAwait(false));
                foreach (MonthTotals month in months)
                {
                    BillSnapshot snapshot = month.ToSnapshot();
                    _sink.Replace(snapshot);
                    LogImported(_api.Name, snapshot.Scope, snapshot.Amounts.Count, month.Total);
                }
                return true;
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                Fail($"the poll took longer than {PollTimeout.TotalMinutes} minutes", authentication: false);
            }
            catch (CostApiException e)
            {
                Fail(Redact(e.Message, key), e.Authentication);
            }
            catch (Exception e) when (e is not (OperationCanceledException or OutOfMemoryException))
            {
                // Whatever the response provoked: the poll fails, the service runs on, the next poll tries again.
                Fail(Redact($"{e.GetType().Name}: {e.Message}", key), authentication: false);
            }
            return false;
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    private void Fail(string reason, bool authentication)
    {
        if (authentication) LogAuthenticationFailed(_api.Name, _keyFile, reason);
        else LogPollFailed(_api.Name, reason);
        _sink.Failed(_api.Source, reason);
    }

    /// <summary>Belt and braces: no message leaves with the key in it, whatever echoed it.</summary>
    private static string Redact(string message, string? key) =>
        string.IsNullOrEmpty(key) ? message : message.Replace(key, "[admin key]", StringComparison.Ordinal);

    private async Task<MonthTotals> ReadMonthAsync(string key, BillingMonth month, CancellationToken cancel)
    {
        var totals = new MonthTotals(_api.Source, _api.Provider, month);
        string? page = null;
        for (int pages = 1; ; pages++)
        {
            if (pages > MaxPagesPerMonth)
                throw new CostApiException($"{_api.Name} answered more than {MaxPagesPerMonth} pages for {month.Scope}");
            byte[] body = await GetAsync(key, month, page, cancel).ConfigureAwait(false);
            page = _api.Read(body, totals, _rates);
            if (page is null) return totals;
        }
    }

    /// <summary>One page, asked again after a 429, a 5xx, a timeout or a broken connection while the poll's retries last.</summary>
    private async Task<byte[]> GetAsync(string key, BillingMonth month, string? page, CancellationToken cancel)
    {
        while (true)
        {
            string failure;
            RetryConditionHeaderValue? retryAfter = null;
            using (var timeout = new CancellationTokenSource(RequestTimeout, _time))
            using (var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancel, timeout.Token))
            {
                try
                {
                    using HttpRequestMessage request = _api.Request(_endpoint, key, month, page);
                    using HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, attempt.Token).ConfigureAwait(false);
                    int status = (int)response.StatusCode;
                    if (response.IsSuccessStatusCode) return await ReadBodyAsync(response.Content, attempt.Token).ConfigureAwait(false);
                    if (status is 401 or 403)
                        throw new CostApiException($"{_api.Name} answered {Status(response)}: the admin key in {_keyFile} was refused; " +
                            "it must be an Admin API key of the organization", authentication: true);
                    if (status != 429 && status < 500) throw new CostApiException($"{_api.Name} answered {Status(response)} for {month.Scope}");
                    failure = $"{_api.Name} answered {Status(response)}";
                    retryAfter = response.Headers.RetryAfter;
                }
                catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
                {
                    // The request's own deadline, or the handler's connect timeout.
                    failure = $"{_api.Name} did not answer within {RequestTimeout.TotalSeconds} s";
                }
                catch (HttpRequestException e)
                {
                    failure = $"{_api.Name} could not be reached: {e.HttpRequestError}";
                }
                catch (IOException e)
                {
                    failure = $"{_api.Name}'s answer broke off: {e.GetType().Name}";
                }
            }
            if (_retries >= CostApiRetry.MaxRetriesPerPoll)
                throw new CostApiException($"{failure}; gave up after {CostApiRetry.MaxRetriesPerPoll} retries");
            TimeSpan delay = _retry.Delay(_retries, retryAfter, _time.GetUtcNow())
                ?? throw new CostApiException($"{failure} and asked to wait longer than {CostApiRetry.MaxDelay.TotalMinutes} minutes");
            _retries++;
            LogRetrying(failure, delay.TotalSeconds, _retries, CostApiRetry.MaxRetriesPerPoll);
            await Task.Delay(delay, _time, cancel).ConfigureAwait(false);
        }
    }

    private static string Status(HttpResponseMessage response) => $"{(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd();

    /// <summary>The body, whole, refused past <see cref="MaxPageBytes"/> as it arrives rather than after.</summary>
    private async Task<byte[]> ReadBodyAsync(HttpContent content, CancellationToken cancel)
    {
        if (content.Headers.ContentLength > MaxPageBytes) throw TooLarge();
        await using Stream stream = await content.ReadAsStreamAsync(cancel).ConfigureAwait(false);
        using var body = new MemoryStream();
        byte[] buffer = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(buffer, cancel).ConfigureAwait(false)) > 0)
        {
            if (body.Length + read > MaxPageBytes) throw TooLarge();
            body.Write(buffer, 0, read);
        }
        return body.ToArray();
    }

    private CostApiException TooLarge() => new($"{_api.Name} answered a page larger than {MaxPageBytes / (1024 * 1024)} MiB");

    public override void Dispose()
    {
        base.Dispose();
        _http.Dispose();
        _oneAtATime.Dispose();
    }
}
