// A weather agent on the `openai` package, traced by OpenTelemetry's own OpenAI instrumentation
// (@opentelemetry/instrumentation-openai), that sends its traces over OTLP/HTTP (protobuf) to the exporter under test
// (tests/CpstExporter.Tests/EndToEnd/NodeAgentClientTests.cs).
//
//   node agent.mjs --traces-url http://127.0.0.1:4318/v1/traces --openai-base-url http://127.0.0.1:5000/v1/ \
//                  --tasks 3 --use-case weather-bot \
//                  [--logs-url http://127.0.0.1:4318/v1/logs --evaluation <name> [--evaluation-label <label>] [--evaluation-score <n>]]
//
// Every task is one trace: a root span 'invoke_agent <use case>' with `cpst.use_case` and `outcome`, around a tool
// loop the application runs itself: a chat completion that asks for get_weather, the tool in an `execute_tool
// get_weather` span of the application's (the instrumentation traces only the model calls), and a second completion
// that answers. Odd-numbered tasks stream (with stream_options.include_usage), the others do not; of two or more
// tasks the last reports `outcome=failure`, the others `success`. The script exits 0 only when every task ran the
// tool and answered and every span and log record was accepted by the exporter; otherwise it prints why and exits 1.
// It prints one line per task, 'task <n> trace <trace id>'.
//
// With --evaluation, an evaluator's verdict on the first task's answer (that name, label and score) goes out as a
// `gen_ai.evaluation.result` log record through the OpenTelemetry JS logs SDK's OTLP/HTTP exporter to --logs-url,
// emitted while the task's root span is active so that it carries the task's trace id; the OpenAI instrumentation
// emits no evaluation events of its own.
import { createRequire } from 'node:module';
import { context, SpanStatusCode } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { OpenAIInstrumentation } from '@opentelemetry/instrumentation-openai';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { CheckedExporter, emitEvaluation, evaluate, judge, readOptions } from '../common.mjs';

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

function getWeather({ city }) {
  return JSON.stringify({ city, temperatureC: 21, conditions: 'sunny' });
}

/** One chat completion, streamed or not; returns the assistant message as the non-streaming API gives it. */
async function complete(client, request, streaming) {
  if (!streaming) return (await client.chat.completions.create(request)).choices[0].message;
  const stream = await client.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } });
  const message = { role: 'assistant', content: '', tool_calls: [] };
  for await (const chunk of stream) {
    const delta = chunk.choices[0]?.delta;
    if (!delta) continue;
    if (delta.content) message.content += delta.content;
    for (const call of delta.tool_calls ?? []) {
      const into = (message.tool_calls[call.index] ??= { id: '', type: 'function', function: { name: '', arguments: '' } });
      if (call.id) into.id = call.id;
      if (call.function?.name) into.function.name += call.function.name;
      if (call.function?.arguments) into.function.arguments += call.function.arguments;
    }
  }
  if (message.tool_calls.length === 0) delete message.tool_calls;
  return message;
}

/** The tool loop: the model asks for get_weather, the application runs it in its own execute_tool span, the model answers. */
async function runTask({ client, tracer, model, streaming }) {
  const messages = [
    { role: 'system', content: 'You are a weather assistant. Use the get_weather tool.' },
    { role: 'user', content: 'What is the weather in Paris?' },
  ];
  const first = await complete(client, { model, messages, tools: [weatherTool] }, streaming);
  const calls = first.tool_calls ?? [];
  if (calls.length !== 1 || calls[0].function.name !== 'get_weather') {
    throw new Error(`expected one get_weather call, got [${calls.map((call) => call.function.name).join(', ')}]`);
  }
  messages.push(first);
  for (const call of calls) {
    const result = await tracer.startActiveSpan(`execute_tool ${call.function.name}`, async (span) => {
      span.setAttribute('gen_ai.operation.name', 'execute_tool');
      span.setAttribute('gen_ai.tool.name', call.function.name);
      span.setAttribute('gen_ai.tool.call.id', call.id);
      try {
        return getWeather(JSON.parse(call.function.arguments));
      } finally {
        span.end();
      }
    });
    messages.push({ role: 'tool', tool_call_id: call.id, content: result });
  }
  const answer = await complete(client, { model, messages, tools: [weatherTool] }, streaming);
  if (!answer.content) throw new Error('expected an answer after the tool call, got none');
  return answer.content;
}

async function main() {
  const options = readOptions({ logs: true });
  const exporter = new CheckedExporter(new OTLPTraceExporter({ url: options.tracesUrl }));
  // Deliberately not the use case: the exporter must take it from the root span's cpst.use_case.
  const resource = resourceFromAttributes({ 'service.name': 'agents-host' });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(exporter)] });
  provider.register();
  const logExporter = new CheckedExporter(new OTLPLogExporter({ url: options.logsUrl }));
  const loggerProvider = new LoggerProvider({ resource, processors: [new BatchLogRecordProcessor({ exporter: logExporter })] });
  logs.setGlobalLoggerProvider(loggerProvider);
  registerInstrumentations({ tracerProvider: provider, instrumentations: [new OpenAIInstrumentation()] });
  // Loaded only now, through require, so that the instrumentation's hook patches it (an ESM import would bypass it).
  const { OpenAI } = createRequire(import.meta.url)('openai');
  const client = new OpenAI({ baseURL: options.openAiBaseUrl, apiKey: 'test' });
  const tracer = provider.getTracer('cpst-otel-openai-client');
  const evaluator = logs.getLogger('cpst-otel-openai-client');

  try {
    for (let task = 0; task < options.tasks; task++) {
      await tracer.startActiveSpan(`invoke_agent ${options.useCase}`, async (root) => {
        root.setAttribute('cpst.use_case', options.useCase);
        console.log(`task ${task} trace ${root.spanContext().traceId}`);
        try {
          const answer = await runTask({ client, tracer, model: options.model, streaming: task % 2 === 1 });
          root.setAttribute('outcome', judge(answer, task, options.tasks));
          const verdict = evaluate(answer, task, options.evaluation);
          if (verdict) emitEvaluation(evaluator, verdict, context.active());
        } catch (error) {
          root.recordException(error);
          root.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
          throw error;
        } finally {
          root.end();
        }
      });
    }
  } finally {
    await provider.forceFlush();
    await provider.shutdown();
    await loggerProvider.forceFlush();
    await loggerProvider.shutdown();
  }
  if (exporter.failures.length > 0) throw new Error(`spans were not exported: ${exporter.failures.join('; ')}`);
  if (logExporter.failures.length > 0) throw new Error(`evaluations were not exported: ${logExporter.failures.join('; ')}`);
  console.log(`${options.tasks} tasks sent`);
}

try {
  await main();
} catch (error) {
  console.error(`agent.mjs: ${error?.stack ?? error}`);
  process.exitCode = 1;
}
