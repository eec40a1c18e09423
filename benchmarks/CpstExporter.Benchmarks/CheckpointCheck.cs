using System.Diagnostics;
using CpstExporter.Conventions;
using CpstExporter.Pricing;
using CpstExporter.Primitives;
using CpstExporter.Tasks;
using CpstExporter.Tasks.State;
using Microsoft.Extensions.Logging.Abstractions;

namespace CpstExporter.Benchmarks;

/// <summary>
/// What a checkpoint of many pending tasks costs, measured the way an operator sees it: resident memory, how long the
/// task lock is held at a time, how long an export waits meanwhile, and the same for reading the file back. Not a
/// BenchmarkDotNet benchmark: one run of a million tasks is the point. Resident memory is read from /proc (Linux).
/// </summary>
internal static class CheckpointCheck
{
    public static int Run(string[] args)
    {
        if (args is ["checkpoint", var count, var path]) Checkpoint(int.Parse(count, System.Globalization.CultureInfo.InvariantCulture), path);
        else if (args is ["load", var file]) Load(file);
        else
        {
            Console.Error.WriteLine("usage: checkpoint <tasks> <state file> | load <state file>");
            return 2;
        }
        return 0;
    }

    private static void Checkpoint(int count, string path)
    {
        var options = new TaskOptions { MaxPending = count + 1, StateFile = path };
        var assembler = new TaskAssembler(options, TimeProvider.System);
        Fill(assembler, count);
        GC.Collect();
        Console.WriteLine($"{assembler.PendingCount} pending tasks; resident {Resident("VmRSS")} MB");

        // The time between two chunks reaching the output: the task lock held for one chunk, and the chunk's formatting.
        var timing = new TimingStream();
        assembler.WriteState(timing);
        Console.WriteLine($"task lock per chunk: median {timing.Median:F2} ms, longest {timing.Longest:F2} ms, {timing.Writes} chunks");

        // The same exports with no checkpoint running, for comparison: what the machine's scheduler adds by itself.
        var (idle, _) = WhileProbing(assembler, () => Thread.Sleep(1000));
        Console.WriteLine($"export waits without a checkpoint: median {idle[idle.Count / 2]:F2} ms, 99th {idle[idle.Count * 99 / 100]:F2} ms, longest {idle[^1]:F2} ms");

        var file = new TaskStateFile(options, assembler, new IdleLifetime(), TimeProvider.System, NullLogger<TaskStateFile>.Instance);
        GC.Collect();
        ResetPeak();
        var (waits, elapsed) = WhileProbing(assembler, file.Checkpoint);
        Console.WriteLine($"checkpoint {elapsed.TotalMilliseconds:F0} ms, file {new FileInfo(path).Length >> 20} MB; peak resident {Resident("VmHWM")} MB; " +
            $"export waits: median {waits[waits.Count / 2]:F2} ms, 99th {waits[waits.Count * 99 / 100]:F2} ms, longest {waits[^1]:F2} ms");
    }

    private static void Load(string path)
    {
        var options = new TaskOptions { MaxPending = 10_000_000, StateFile = path };
        var assembler = new TaskAssembler(options, TimeProvider.System);
        var file = new TaskStateFile(options, assembler, new IdleLifetime(), TimeProvider.System, NullLogger<TaskStateFile>.Instance);
        GC.Collect();
        ResetPeak();
        long before = Resident("VmRSS");
        var watch = Stopwatch.StartNew();
        file.Load(path);
        Console.WriteLine($"load {watch.ElapsedMilliseconds} ms, {assembler.PendingCount} tasks restored; resident before {before} MB, peak {Resident("VmHWM")} MB");
    }

    /// <summary>Tasks waiting for their outcome, as an agent makes them: a root, an LLM call and a tool call each.</summary>
    private static void Fill(TaskAssembler assembler, int count)
    {
        const int perRequest = 300;
        var decisions = new TaskDecisions();
        var spans = new SpanFacts[perRequest * 3];
        var prices = new CallPrice[perRequest * 3];
        ulong spanId = 1;
        for (int t = 0; t < count; t += perRequest)
        {
            int n = Math.Min(perRequest, count - t), k = 0;
            for (int i = 0; i < n; i++)
            {
                var trace = new TraceId(0x0a0b0c0d, (ulong)(t + i + 1));
                ulong root = spanId++;
                spans[k] = new SpanFacts { TraceId = trace, SpanId = root, IsRoot = true, ServiceName = "checkout-agent", UseCase = "checkout" };
                prices[k++] = new CallPrice(0m, PricingBasis.Table, ServiceTier.Standard, CallPriceNotes.None);
                spans[k] = new SpanFacts
                {
                    TraceId = trace, SpanId = spanId++, ParentSpanId = root, Role = SpanRole.Llm, Model = "gpt-4o", Provider = "openai",
                    Tokens = new TokenUsage(1200, 300, 0, 0, 0), ServiceName = "checkout-agent",
                };
                prices[k++] = new CallPrice(0.006m, PricingBasis.Table, ServiceTier.Standard, CallPriceNotes.None);
                spans[k] = new SpanFacts { TraceId = trace, SpanId = spanId++, ParentSpanId = root, Role = SpanRole.Tool, ToolName = "web_search", ServiceName = "checkout-agent" };
                prices[k++] = new CallPrice(0.01m, PricingBasis.Table, ServiceTier.Standard, CallPriceNotes.None);
            }
            assembler.Add(spans.AsSpan(0, k), prices.AsSpan(0, k), decisions);
            decisions.Clear();
        }
    }

    /// <summary>Runs <paramref name="work"/> while another thread sends an export (a resent span: it takes the task lock and changes nothing) every millisecond.</summary>
    private static (List<double> Waits, TimeSpan Elapsed) WhileProbing(TaskAssembler assembler, Action work)
    {
        SpanFacts[] probe = [new SpanFacts { TraceId = new TraceId(0x0a0b0c0d, 1), SpanId = 1, IsRoot = true, ServiceName = "checkout-agent" }];
        CallPrice[] price = [new CallPrice(0m, PricingBasis.Table, ServiceTier.Standard, CallPriceNotes.None)];
        var waits = new List<double>();
        var decisions = new TaskDecisions();
        bool stop = false;
        var prober = new Thread(() =>
        {
            while (!Volatile.Read(ref stop))
            {
                long start = Stopwatch.GetTimestamp();
                assembler.Add(probe, price, decisions);
                decisions.Clear();
                waits.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                Thread.Sleep(1);
            }
        });
        prober.Start();
        var watch = Stopwatch.StartNew();
        work();
        TimeSpan elapsed = watch.Elapsed;
        Volatile.Write(ref stop, true);
        prober.Join();
        waits.Sort();
        return (waits, elapsed);
    }

    /// <summary>Resets the kernel's peak resident size of this process, so VmHWM is the peak from now on.</summary>
    private static void ResetPeak()
    {
        if (File.Exists("/proc/self/clear_refs")) File.WriteAllText("/proc/self/clear_refs", "5");
    }

    private static long Resident(string field)
    {
        if (!File.Exists("/proc/self/status")) return -1;
        foreach (string line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024;
        return -1;
    }

    private sealed class TimingStream : Stream
    {
        private readonly List<double> _intervals = [];
        private long _last = Stopwatch.GetTimestamp();

        public int Writes => _intervals.Count;
        public double Longest => _intervals.Max();
        public double Median => _intervals.Order().ElementAt(_intervals.Count / 2);

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            long now = Stopwatch.GetTimestamp();
            _intervals.Add(Stopwatch.GetElapsedTime(_last, now).TotalMilliseconds);
            _last = Stopwatch.GetTimestamp();
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => 0;
        public override long Position { get => 0; set { } }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
