namespace CpstExporter.LoadGen;

/// <summary>The help text: every command and option with its default.</summary>
internal static class Usage
{
    public const string Text = """
        usage: cpst-loadgen demo  [--endpoint URL] [--outcomes URL[,URL…]|none] [--scenario NAME] [--use-case NAME]
                                  [--rate TASKS_PER_S] [--warmup S] [--duration S] [--tasks N] [--seed N]
               cpst-loadgen bench --endpoint URL --metrics URL [--duration S] [--warmup S] [--connections N]
                                  [--batch SPANS] [--pending-tasks N] [--series N] [--json FILE]

        demo   Agent traffic over OTLP/gRPC from Microsoft.Extensions.AI agents on simulated models: support-bot,
               coding-agent and search-agent tasks with LLM and tool calls; some outcomes on the root span, some
               posted later to the outcome API, some never.
          --endpoint   OTLP/gRPC endpoint                                     default http://127.0.0.1:4317
          --outcomes   outcome API URL(s), or none; default: the endpoint's host on port 4318 (when it uses 4317)
          --scenario   none | verbose-prompt | agent-loops | tool-storm | cheap-model | quality-drop | growth
          --use-case   the use case the scenario changes                      default: the scenario's own
          --rate       tasks per second across all use cases                  default 2
          --warmup     seconds of steady traffic before the scenario starts   default 600
          --duration   seconds to run                                         default: until Ctrl-C
          --tasks      tasks to send, then stop                               default: no limit
          --seed       seed of the random choices                             default 42

        bench  The performance harness. Start the exporter with -c Release and the overrides in BENCHMARKS.md.
          --endpoint       the exporter's OTLP/gRPC endpoint (required)
          --metrics        the exporter's /metrics URL (required)
          --duration       seconds of full-rate export measured                  default 30
          --warmup         seconds of full-rate export before measuring          default 10
          --connections    HTTP/2 connections, one Export call in flight on each  default 2
          --batch          spans per Export request                              default 512
          --pending-tasks  tasks left pending to measure memory per pending task default 500000
          --series         series to reach before timing /metrics                default 10000
          --json           write the results to this file as JSON

        """;
}
