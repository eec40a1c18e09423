using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/CpstExporter.Benchmarks -- --filter '*'
// dotnet run -c Release --project benchmarks/CpstExporter.Benchmarks -- checkpoint 1000000 /tmp/state.json
// dotnet run -c Release --project benchmarks/CpstExporter.Benchmarks -- load /tmp/state.json
// dotnet run -c Release --project benchmarks/CpstExporter.Benchmarks -- money 100000000
if (args is ["checkpoint", ..] or ["load", ..]) return CpstExporter.Benchmarks.CheckpointCheck.Run(args);
if (args is ["money", ..]) return CpstExporter.Benchmarks.MoneyDriftCheck.Run(args);
BenchmarkSwitcher.FromAssembly(typeof(CpstExporter.Benchmarks.Payloads).Assembly).Run(args);
return 0;
