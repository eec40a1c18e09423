using System.Text.Json.Serialization;

namespace CpstExporter.Billing;

/// <summary>The one definition of the ledger's section of the state file: <see cref="LedgerState"/> and the records it holds.</summary>
[JsonSerializable(typeof(LedgerState))]
internal sealed partial class LedgerStateContext : JsonSerializerContext;
