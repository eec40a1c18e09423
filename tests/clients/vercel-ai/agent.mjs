// A weather agent built on the Vercel AI SDK, as an application would write it, that sends its traces over
// OTLP/HTTP (protobuf) to the exporter under test (tests/CpstExporter.Tests/EndToEnd/VercelAiSdkClientTests.cs).
//
//   node agent.mjs --traces-url http://127.0.0.1:4318/v1/traces --openai-base-url http://127.0.0.1:5000/v1/ \
//                  --tasks 3 --use-case weather-bot [--model gpt-5.4] [--prompt '...'] \
//                  [--service-tier priority] [--record-service-tier] \
//                  [--logs-url http://127.0.0.1:4318/v1/logs --evaluation <name> [--evaluation-label <label>] [--evaluation-score <n>]]
//
// (or CPST_TRACES_URL, CPST_OPENAI_BASE_URL, CPST_TASKS, CPST_USE_CASE). Every task is one trace: a root span
// 'invoke_agent <use case>' with `cpst.use_case` and `outcome`, around one AI SDK call with a get_weather tool and
// at most two steps (the model asks for the tool, then answers). Odd-numbered tasks use streamText, the others
// generateText; of two or more tasks the last reports `outcome=failure`, the others `success`. The script exits 0 only
// when every task ran both steps and every span and log record was accepted by the exporter; otherwise it prints why
// and exits 1. It prints one line per task, 'task <n> trace <trace id>', so that the caller can look each task up.
//
// --model (default gpt-4o-mini) and --prompt choose the call. --service-tier asks OpenAI for a service tier
// (providerOptions.openai.serviceTier). The AI SDK records no service tier on its spans, neither the one asked for
// nor the one that served the call; --record-service-tier wraps the model in recordServiceTier (below), which puts
// the served tier on each model call's span as `cpst.service_tier`, as an application does for the exporter to
// price the call at that tier.
//
// With --evaluation, an evaluator's verdict on the first task's answer (that name, label and score) goes out as a
// `gen_ai.evaluation.result` log record through the OpenTelemetry JS logs SDK's OTLP/HTTP exporter to --logs-url,
// emitted while the task's root span is active so that it carries the task's trace id; the AI SDK emits no evaluation
// events of its own.
import { parseArgs } from 'node:util';
import { createOpenAI } from '@ai-sdk/openai';
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { generateText, stepCountIs, streamText, tool, wrapLanguageModel } from 'ai';
import { z } from 'zod';
import { CheckedExporter, emitEvaluation, evaluate, evaluationOptions, readEvaluation } from '../common.mjs';

function readOptions() {
  const { values } = parseArgs({
    options: {
      'traces-url': { type: 'string', default: process.env.CPST_TRACES_URL },
      'openai-base-url': { type: 'string', default: process.env.CPST_OPENAI_BASE_URL },
      tasks: { type: 'string', default: process.env.CPST_TASKS ?? '1' },
      'use-case': { type: 'string', default: process.env.CPST_USE_CASE },
      model: { type: 'string', default: 'gpt-4o-mini' },
      prompt: { type: 'string', default: 'What is the weather in Paris?' },
      'service-tier': { type: 'string' },
      'record-service-tier': { type: 'boolean', default: false },
      ...evaluationOptions({ logs: true }),
    },
    strict: true,
  });
  const tasks = Number(values.tasks);
  const missing = ['traces-url', 'openai-base-url', 'use-case'].filter((name) => !values[name]);
  if (missing.length > 0) throw new Error(`missing ${missing.map((name) => '--' + name).join(', ')}`);
  if (!Number.isInteger(tasks) || tasks < 1) throw new Error(`--tasks must be a positive integer, not '${values.tasks}'`);
  return {
    tracesUrl: values['traces-url'],
    openAiBaseUrl: values['openai-base-url'],
    tasks,
    useCase: values['use-case'],
    model: values.model,
    prompt: values.prompt,
    serviceTier: values['service-tier'],
    recordServiceTier: values['record-service-tier'],
    logsUrl: values['logs-url'],
    evaluation: readEvaluation(values, { logs: true }),
  };
}

const weather = tool({
  description: 'Current weather in a city',
  inputSchema: z.object({ city: z.string() }),
  execute: async ({ city }) => ({ city, temperatureC: 21, conditions: 'sunny' }),
});

/**
 * A language model middleware that records the service tier which served each call as `cpst.service_tier` on the
 * call's own span (ai.generateText.doGenerate, ai.streamText.doStream: the span active while the middleware runs).
 * The tier is the one OpenAI's response names: `providerMetadata.openai.serviceTier` where the provider reports it
 * (the Responses API models), else the `service_tier` of the raw response body (Chat Completions, whose
 * `service_tier` the OpenAI provider does not read) or, streaming, of its raw chunks: the middleware calls the model
 * itself to ask for them, and passes them on only when the caller asked for them too.
 */
const recordServiceTier = {
  specificationVersion: 'v3',
  wrapGenerate: async ({ doGenerate }) => {
    const span = trace.getActiveSpan();
    const result = await doGenerate();
    const tier = result.providerMetadata?.openai?.serviceTier ?? result.response?.body?.service_tier;
    if (typeof tier === 'string') span?.setAttribute('cpst.service_tier', tier);
    return result;
  },
  wrapStream: async ({ params, model }) => {
    const span = trace.getActiveSpan();
    const { stream, ...rest } = await model.doStream({ ...params, includeRawChunks: true });
    let tier;
    const observed = stream.pipeThrough(new TransformStream({
      transform(part, controller) {
        if (part.type === 'raw') {
          if (typeof part.rawValue?.service_tier === 'string') tier = part.rawValue.service_tier;
          if (!params.includeRawChunks) return;
        } else if (part.type === 'finish') {
          // The last part, before the SDK ends the span: every chunk has been read.
          const reported = part.providerMetadata?.openai?.serviceTier;
          if (typeof reported === 'string') tier = reported;
          if (tier !== undefined) span?.setAttribute('cpst.service_tier', tier);
        }
        controller.enqueue(part);
      },
    }));
    return { ...rest, stream: observed };
  },
};

async function runTask({ model, tracer, streaming, prompt, serviceTier }) {
  const request = {
    model,
    system: 'You are a weather assistant. Use the get_weather tool.',
    prompt,
    tools: { get_weather: weather },
    stopWhen: stepCountIs(2),
    // functionId as applications set it: it also changes the SDK's operation.name and adds resource.name.
    experimental_telemetry: { isEnabled: true, tracer, functionId: 'weather-answer' },
  };
  if (serviceTier) request.providerOptions = { openai: { serviceTier } };
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
  // Deliberately not the use case: the exporter must take it from the root span's cpst.use_case.
  const resource = resourceFromAttributes({ 'service.name': 'agents-host' });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(exporter)] });
  provider.register(); // the async context manager, so the SDK's spans become children of the task's root span
  const tracer = provider.getTracer('cpst-vercel-ai-client');
  const logExporter = new CheckedExporter(new OTLPLogExporter({ url: options.logsUrl }));
  const loggerProvider = new LoggerProvider({ resource, processors: [new BatchLogRecordProcessor({ exporter: logExporter })] });
  logs.setGlobalLoggerProvider(loggerProvider);
  const evaluator = logs.getLogger('cpst-vercel-ai-client');
  const openai = createOpenAI({ baseURL: options.openAiBaseUrl, apiKey: 'test' });
  const chatModel = openai.chat(options.model); // Chat Completions, not the Responses API that openai('…') uses
  const model = options.recordServiceTier ? wrapLanguageModel({ model: chatModel, middleware: recordServiceTier }) : chatModel;

  const counts = { success: 0, failure: 0, streamed: 0 };
  try {
    for (let task = 0; task < options.tasks; task++) {
      const streaming = task % 2 === 1;
      const outcome = task === options.tasks - 1 && options.tasks > 1 ? 'failure' : 'success';
      await tracer.startActiveSpan(`invoke_agent ${options.useCase}`, async (root) => {
        root.setAttribute('cpst.use_case', options.useCase);
        console.log(`task ${task} trace ${root.spanContext().traceId}`);
        try {
          const result = await runTask({ model, tracer, streaming, prompt: options.prompt, serviceTier: options.serviceTier });
          checkTwoSteps(result, task);
          root.setAttribute('outcome', outcome);
          const verdict = evaluate(result.text, task, options.evaluation);
          if (verdict) emitEvaluation(evaluator, verdict, context.active());
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
    await loggerProvider.forceFlush();
    await loggerProvider.shutdown();
  }
  if (exporter.failures.length > 0) throw new Error(`spans were not exported: ${exporter.failures.join('; ')}`);
  if (logExporter.failures.length > 0) throw new Error(`evaluations were not exported: ${logExporter.failures.join('; ')}`);
  console.log(`${options.tasks} tasks sent (${counts.success} success, ${counts.failure} failure, ${counts.streamed} streamed)`);
}

try {
  await main();
} catch (error) {
  console.error(`agent.mjs: ${error?.stack ?? error}`);
  process.exitCode = 1;
}
