// What the agents of tests/clients/ share, whichever library traces them: their command line, an OTLP exporter that
// remembers failed exports (the SDKs only log them, and an agent must fail instead), and how a task is graded.
import { parseArgs } from 'node:util';

const EXPORT_SUCCESS = 0; // ExportResultCode.SUCCESS of @opentelemetry/core

export function readOptions() {
  const { values } = parseArgs({
    options: {
      'traces-url': { type: 'string' },
      'openai-base-url': { type: 'string' },
      tasks: { type: 'string', default: '1' },
      'use-case': { type: 'string' },
      model: { type: 'string', default: 'gpt-4o-mini' },
    },
    strict: true,
  });
  const tasks = Number(values.tasks);
  const missing = ['traces-url', 'openai-base-url', 'use-case'].filter((name) => !values[name]);
  if (missing.length > 0) throw new Error(`missing ${missing.map((name) => '--' + name).join(', ')}`);
  if (!Number.isInteger(tasks) || tasks < 1) throw new Error(`--tasks must be a positive integer, not '${values.tasks}'`);
  return { tracesUrl: values['traces-url'], openAiBaseUrl: values['openai-base-url'], tasks, useCase: values['use-case'], model: values.model };
}

/** The OTLP exporter, remembering every failed export: the SDK only logs them, and this script must fail instead. */
export class CheckedExporter {
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

/** Where an application grades a task; an evaluation event for the task's trace would be emitted here. */
export function judge(answer, task, tasks) {
  return task === tasks - 1 && tasks > 1 ? 'failure' : 'success';
}
