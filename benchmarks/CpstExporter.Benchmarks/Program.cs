using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/CpstExporter.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(CpstExporter.Benchmarks.Payloads).Assembly).Run(args);
