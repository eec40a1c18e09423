namespace CpstExporter.Tasks;

/// <summary><paramref name="Calls"/> calls alike that count under <paramref name="UseCase"/>, <paramref name="Sum"/> holding their tokens and cost summed (<see cref="CountedCall.Times"/>).</summary>
internal readonly record struct CountedCalls(string UseCase, CountedCall Sum, int Calls);
