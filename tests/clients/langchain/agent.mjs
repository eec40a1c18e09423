// A weather agent built on LangChain.js (@langchain/openai's ChatOpenAI with a tool bound), traced by OpenInference's
// LangChain instrumentation (@arizeai/openinference-instrumentation-langchain), that sends its traces over OTLP/HTTP
// (protobuf) to the exporter under test (tests/CpstExporter.Tests/EndToEnd/NodeAgentClientTests.cs).
//
//   node agent.mjs --traces-url http://127.0.0.1:4318/v1/traces --openai-base-url http://127.0.0.1:5000/v1/ \
//                  --tasks 3 --use-case weather-bot \
//                  [--logs-url http://127.0.0.1:4318/v1/logs --evaluation <name> [--evaluation-label <label>] [--evaluation-score <n>]]
//
// Every task is one trace: a root span 'invoke_agent <use case>' with `cpst.use_case` and `outcome`, around a tool
// loop as LangChain applications write it: the model with get_weather bound asks for the tool, the tool is invoked
// with the model's tool call, and the model answers. The instrumentation traces each model call and the tool run.
// Odd-numbered tasks stream, the others do not; of two or more tasks the last reports `outcome=failure`, the others
// `success`. The script exits 0 only when every task ran the tool and answered and every span and log record was
// accepted by the exporter; otherwise it prints why and exits 1. It prints one line per task, 'task <n> trace <trace id>'.
//
// With --evaluation, an evaluator's verdict on the first task's answer (that name, label and score) goes out as a
// `gen_ai.evaluation.result` log record through the OpenTelemetry JS logs SDK's OTLP/HTTP exporter to --logs-url,
// emitted while the task's root span is active so that it carries the task's trace id; LangChain.js and OpenInference
// emit no evaluation events of their own.
import { LangChainInstrumentation } from '@arizeai/openinference-instrumentation-langchain';
import * as CallbackManagerModule from '@langchain/core/callbacks/manager';
import { HumanMessage, SystemMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
import { context, SpanStatusCode } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { z } from 'zod';
import { CheckedExporter, emitEvaluation, evaluate, judge, readOptions } from '../common.mjs';

const weather = tool(async ({ city }) => JSON.stringify({ city, temperatureC: 21, conditions: 'sunny' }), {
  name: 'get_weather',
  description: 'Current weather in a city',
  schema: z.object({ city: z.string() }),
});

/** One model call, streamed or not; returns the whole AI message. */
async function complete(model, messages, streaming) {
  if (!streaming) return model.invoke(messages);
  let message;
  for await (const chunk of await model.stream(messages)) message = message === undefined ? chunk : message.concat(chunk);
  return message;
}

/** The tool loop: the model asks for get_weather, the tool runs on the model's call, the model answers. */
async function runTask({ model, streaming }) {
  const messages = [new SystemMessage('You are a weather assistant. Use the get_weather tool.'), new HumanMessage('What is the weather in Paris?')];
  const first = await complete(model, messages, streaming);
  const calls = first.tool_calls ?? [];
  if (calls.length !== 1 || calls[0].name !== 'get_weather') {
    throw new Error(`expected one get_weather call, got [${calls.map((call) => call.name).join(', ')}]`);
  }
  messages.push(first);
  for (const call of calls) messages.push(await weather.invoke(call));
  const answer = await complete(model, messages, streaming);
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
  // ESM: the module is patched by hand, as OpenInference documents for it.
  new LangChainInstrumentation({ tracerProvider: provider }).manuallyInstrument(CallbackManagerModule);
  const model = new ChatOpenAI({
    model: options.model,
    apiKey: 'test',
    configuration: { baseURL: options.openAiBaseUrl },
    streamUsage: true,
  }).bindTools([weather]);
  const tracer = provider.getTracer('cpst-langchain-client');
  const evaluator = logs.getLogger('cpst-langchain-client');

  try {
    for (let task = 0; task < options.tasks; task++) {
      await tracer.startActiveSpan(`invoke_agent ${options.useCase}`, async (root) => {
        root.setAttribute('cpst.use_case', options.useCase);
        console.log(`task ${task} trace ${root.spanContext().traceId}`);
        try {
          const answer = await runTask({ model, streaming: task % 2 === 1 });
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
