// A weather agent on the `openai` package, traced by OpenLLMetry for Node (@traceloop/node-server-sdk), that sends its
// traces over OTLP/HTTP (protobuf) to the exporter under test (tests/CpstExporter.Tests/EndToEnd/NodeAgentClientTests.cs).
//
//   node agent.mjs --traces-url http://127.0.0.1:4318/v1/traces --openai-base-url http://127.0.0.1:5000/v1/ \
//                  --tasks 3 --use-case weather-bot \
//                  [--evaluation <name> [--evaluation-label <label>] [--evaluation-score <n>]]
//
// Every task is one trace: a Traceloop workflow (`withWorkflow`, the root span, given `cpst.use_case` and `outcome`)
// around a tool loop: a chat completion that asks for get_weather, the tool as a Traceloop tool (`withTool`), and a
// second completion that answers; the SDK's OpenAI instrumentation traces the completions. Odd-numbered tasks stream
// (with stream_options.include_usage), the others do not; of two or more tasks the last reports `outcome=failure`,
// the others `success`. The script exits 0 only when every task ran the tool and answered and every span was accepted
// by the exporter; otherwise it prints why and exits 1. It prints one line per task, 'task <n> trace <trace id>'.
//
// With --evaluation, an evaluator's verdict on the first task's answer (that name, label and score) is recorded as a
// `gen_ai.evaluation.result` event on the task's workflow span, which the trace exporter sends with the span: Traceloop's
// SDK sets up tracing only and emits no evaluation events of its own. (The other agents send the verdict as a log
// record; this one covers the span event.)
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import * as traceloop from '@traceloop/node-server-sdk';
import OpenAI from 'openai';
import { CheckedExporter, EVALUATION_EVENT, evaluate, evaluationAttributes, judge, readOptions } from '../common.mjs';

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

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

/** The tool loop: the model asks for get_weather, the application runs it as a Traceloop tool, the model answers. */
async function runTask({ client, model, streaming }) {
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
    const result = await traceloop.withTool({ name: call.function.name }, async () => {
      const { city } = JSON.parse(call.function.arguments);
      return JSON.stringify({ city, temperatureC: 21, conditions: 'sunny' });
    });
    messages.push({ role: 'tool', tool_call_id: call.id, content: result });
  }
  const answer = await complete(client, { model, messages, tools: [weatherTool] }, streaming);
  if (!answer.content) throw new Error('expected an answer after the tool call, got none');
  return answer.content;
}

async function main() {
  const options = readOptions({ logs: false });
  const exporter = new CheckedExporter(new OTLPTraceExporter({ url: options.tracesUrl }));
  traceloop.initialize({
    // Deliberately not the use case: the exporter must take it from the root span's cpst.use_case.
    appName: 'agents-host',
    exporter,
    disableBatch: false,
    traceContent: false,
    silenceInitializationMessage: true,
    traceloopSyncEnabled: false, // no prompt registry to fetch from
    instrumentModules: { openAI: OpenAI },
  });
  const client = new OpenAI({ baseURL: options.openAiBaseUrl, apiKey: 'test' });

  try {
    for (let task = 0; task < options.tasks; task++) {
      await traceloop.withWorkflow({ name: 'weather_request' }, async () => {
        const root = trace.getActiveSpan();
        root.setAttribute('cpst.use_case', options.useCase);
        console.log(`task ${task} trace ${root.spanContext().traceId}`);
        try {
          const answer = await runTask({ client, model: options.model, streaming: task % 2 === 1 });
          root.setAttribute('outcome', judge(answer, task, options.tasks));
          const verdict = evaluate(answer, task, options.evaluation);
          if (verdict) root.addEvent(EVALUATION_EVENT, evaluationAttributes(verdict));
        } catch (error) {
          root.recordException(error);
          root.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
          throw error;
        }
      });
    }
  } finally {
    await traceloop.forceFlush();
  }
  if (exporter.failures.length > 0) throw new Error(`spans were not exported: ${exporter.failures.join('; ')}`);
  console.log(`${options.tasks} tasks sent`);
}

try {
  await main();
} catch (error) {
  console.error(`agent.mjs: ${error?.stack ?? error}`);
  process.exitCode = 1;
}
