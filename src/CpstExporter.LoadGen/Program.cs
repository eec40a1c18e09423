using System.Runtime.InteropServices;
using CpstExporter.LoadGen;
using CpstExporter.LoadGen.Bench;
using CpstExporter.LoadGen.Demo;

using var stop = new CancellationTokenSource();
// Ctrl-C and docker stop end the run cleanly: spans flushed, outcomes posted, summary printed.
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

try
{
    CommandLine line = CommandLine.Parse(args);
    switch (line.Command)
    {
        case "demo":
            DemoOptions demo = DemoOptions.Parse(line);
            line.RejectUnknown();
            await DemoRunner.RunAsync(demo, Console.Out, TimeProvider.System, stop.Token);
            return 0;
        case "bench":
            BenchOptions bench = BenchOptions.Parse(line);
            line.RejectUnknown();
            return await BenchRunner.RunAsync(bench, Console.Out, stop.Token);
        case "help" or "--help" or "-h":
            Console.Out.Write(Usage.Text);
            return 0;
        default:
            throw new UsageException($"unknown command '{line.Command}': use demo or bench");
    }
}
catch (UsageException e)
{
    Console.Error.WriteLine($"cpst-loadgen: {e.Message}");
    Console.Error.Write(Usage.Text);
    return 2;
}
catch (Exception e) when (e is HttpRequestException or InvalidOperationException or IOException)
{
    // The exporter is not there, refused the bench's requests, or the JSON file could not be written.
    Console.Error.WriteLine($"cpst-loadgen: {e.Message}");
    return 1;
}

void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}
