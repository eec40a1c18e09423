// A weather agent built on the Vercel AI SDK, as an application would write it, that sends its traces over
// OTLP/HTTP (protobuf) to the exporter under test (tests/CpstExporter.Tests/EndToEnd/VercelAiSdkClientTests.cs).
//
//   node agent.mjs --traces-url http://127.0.0.1:4318/v1/traces --openai-base-url http://127.0.0.1:5000/v1/ \
//                  --tasks 3 --use-case weather-bot
//
// (or CPST_TRACES_URL, CPST_OPENAI_BASE_URL, CPST_TASKS, CPST_USE_CASE). Every task is one trace: a root span
// 'invoke_agent <use case>' with `cpst.use_case` and `outcome`, around one AI SDK call with a get_weather tool and
// at most two steps (the model asks for the tool, then answers). Odd-numbered tasks use streamText, the others
// generateText; of two or more tasks the last reports `outcome=failure`, the others `success`. The script exits 0 only when every
// task ran both steps and every span was accepted by the exporter; otherwise it prints why and exits 1.
import { parseArgs } from 'node:util';
import { createOpenAI } from '@ai-sdk/openai';
import { SpanStatusCode } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { generateText, stepCountIs, streamText, tool } from 'ai';
import { z } from 'zod';

const EXPORT_SUCCESS = 0; // ExportResultCode.SUCCESS of @opentelemetry/core

function readOptions() {
  const { values } = parseArgs({
    options: {
      'traces-url': { type: 'string', default: process.env.CPST_TRACES_URL },
      'openai-base-url': { type: 'string', default: process.env.CPST_OPENAI_BASE_URL },
      tasks: { type: 'string', default: process.env.CPST_TASKS ?? '1' },
      'use-case': { type: 'string', default: process.env.CPST_USE_CASE },
    },
    strict: true,
  });
  const tasks = Number(values.tasks);
  const missing = ['traces-url', 'openai-base-url', 'use-case'].filter((name) => !values[name]);
  if (missing.length > 0) throw new Error(`missing ${missing.map((name) => '--' + name).join(', ')}`);
  if (!Number.isInteger(tasks) || tasks < 1) throw new Error(`--tasks must be a positive integer, not '${values.tasks}'`);
  return { tracesUrl: values['traces-url'], openAiBaseUrl: values['openai-base-url'], tasks, useCase: values['use-case'] };
}

/** The OTLP exporter, remembering every failed export: the SDK only logs them, and this script must fail instead. */
class CheckedExporter {
  constructor(inner) {
    this.inner = inner;
    this.failures = [];
  }

  export(spans, resultCallback) {
    this.inner.export(spans, (result) => {
      if (result.code !== EXPORT_SUCCESS) this.failures.push(result.error?.message ?? `export result ${result.code}`);
      resultCallback(result);
    });
  }

  forceFlush() {
    return this.inner.forceFlush();
  }

  shutdown() {
    return this.inner.shutdown();
  }
}

const weather = tool({
  description: 'Current weather in a city',
  inputSchema: z.object({ city: z.string() }),
  execute: async ({ city }) => ({ city, temperatureC: 21, conditions: 'sunny' }),
});

async function runTask({ model, tracer, streaming }) {
  const request = {
    model,
    system: 'You are a weather assistant. Use the get_weather tool.',
    prompt: 'What is the weather in Paris?',
    tools: { get_weather: weather },
    stopWhen: stepCountIs(2),
    // functionId as applications set it: it also changes the SDK's operation.name and adds resource.name.
    experimental_telemetry: { isEnabled: true, tracer, functionId: 'weather-answer' },
  };
  if (!streaming) return generateText(request);

  const result = streamText(request);
  // Consume the whole stream; streamText reports errors as stream parts rather than by throwing.
  for await (const part of result.fullStream) {
    if (part.type === 'error') throw part.error instanceof Error ? part.error : new Error(String(part.error));
  }
  return { steps: await result.steps, text: await result.text };
}

function checkTwoSteps(result, task) {
  const toolCalls = result.steps.flatMap((step) => step.toolCalls);
  if (result.steps.length !== 2 || toolCalls.length !== 1 || toolCalls[0].toolName !== 'get_weather' || !result.text) {
    throw new Error(`task ${task}: expected a get_weather call and then an answer, got ${result.steps.length} steps, ` +
      `tool calls [${toolCalls.map((call) => call.toolName).join(', ')}], text '${result.text}'`);
  }
}

async function main() {
  const options = readOptions();
  const exporter = new CheckedExporter(new OTLPTraceExporter({ url: options.tracesUrl }));
  const provider = new NodeTracerProvider({
    // Deliberately not the use case: the exporter must take it from the root span's cpst.use_case.
    resource: resourceFromAttributes({ 'service.name': 'agents-host' }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  provider.register(); // the async context manager, so the SDK's spans become children of the task's root span
  const tracer = provider.getTracer('cpst-vercel-ai-client');
  const openai = createOpenAI({ baseURL: options.openAiBaseUrl, apiKey: 'test' });
  const model = openai.chat('gpt-4o-mini'); // Chat Completions, not the Responses API that openai('…') uses

  const counts = { success: 0, failure: 0, streamed: 0 };
  try {
    for (let task = 0; task < options.tasks; task++) {
      const streaming = task % 2 === 1;
      const outcome = task === options.tasks - 1 && options.tasks > 1 ? 'failure' : 'success';
      await tracer.startActiveSpan(`invoke_agent ${options.useCase}`, async (root) => {
        root.setAttribute('cpst.use_case', options.useCase);
        try {
          checkTwoSteps(await runTask({ model, tracer, streaming }), task);
          root.setAttribute('outcome', outcome);
        } catch (error) {
          root.recordException(error);
          root.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
          throw error;
        } finally {
          root.end();
        }
      });
      counts[outcome]++;
      if (streaming) counts.streamed++;
    }
  } finally {
    await provider.forceFlush();
    await provider.shutdown();
  }
  if (exporter.failures.length > 0) throw new Error(`spans were not exported: ${exporter.failures.join('; ')}`);
  console.log(`${options.tasks} tasks sent (${counts.success} success, ${counts.failure} failure, ${counts.streamed} streamed)`);
}

try {
  await main();
} catch (error) {
  console.error(`agent.mjs: ${error?.stack ?? error}`);
  process.exitCode = 1;
}
