// What the agents of tests/clients/ share, whichever library traces them: their command line, an OTLP exporter that
// remembers failed exports (the SDKs only log them, and an agent must fail instead), how a task is graded, and the
// evaluator's verdict on a task as a `gen_ai.evaluation.result` event.
//
// This file imports no package: it sits outside the agents' folders, whose node_modules it cannot see, so an agent
// hands it what it needs of its own SDK (a logger, a span).
import { parseArgs } from 'node:util';

const EXPORT_SUCCESS = 0; // ExportResultCode.SUCCESS of @opentelemetry/core

/** The event of OpenTelemetry's GenAI conventions that carries an evaluation's result. */
export const EVALUATION_EVENT = 'gen_ai.evaluation.result';

/**
 * The options that ask for an evaluator's verdict on the first task: `--evaluation <name>` with its
 * `--evaluation-label` (default `pass`) and `--evaluation-score` (a number; none by default). Agents that send the
 * verdict as a log record also take `--logs-url`, their OTLP/HTTP logs endpoint (`…/v1/logs`).
 */
export function evaluationOptions({ logs }) {
  const options = {
    evaluation: { type: 'string' },
    'evaluation-label': { type: 'string', default: 'pass' },
    'evaluation-score': { type: 'string' },
  };
  if (logs) options['logs-url'] = { type: 'string' };
  return options;
}

/** The verdict that parsed `evaluationOptions` ask for, or undefined when `--evaluation` is not given. */
export function readEvaluation(values, { logs }) {
  if (values.evaluation === undefined) return undefined;
  if (!values.evaluation) throw new Error('--evaluation must name the evaluation, not be empty');
  if (logs && !values['logs-url']) throw new Error('--evaluation needs --logs-url, where the verdict is sent');
  let score;
  if (values['evaluation-score'] !== undefined) {
    score = Number(values['evaluation-score']);
    if (values['evaluation-score'].trim() === '' || !Number.isFinite(score)) {
      throw new Error(`--evaluation-score must be a number, not '${values['evaluation-score']}'`);
    }
  }
  return { name: values.evaluation, label: values['evaluation-label'], score };
}

/**
 * The options of the three agents that share them. With `logs`, `--logs-url` is taken too: the agent sends the
 * evaluator's verdict as a log record; without, it records it as an event on the task's span.
 */
export function readOptions({ logs }) {
  const { values } = parseArgs({
    options: {
      'traces-url': { type: 'string' },
      'openai-base-url': { type: 'string' },
      tasks: { type: 'string', default: '1' },
      'use-case': { type: 'string' },
      model: { type: 'string', default: 'gpt-4o-mini' },
      ...evaluationOptions({ logs }),
    },
    strict: true,
  });
  const tasks = Number(values.tasks);
  const missing = ['traces-url', 'openai-base-url', 'use-case'].filter((name) => !values[name]);
  if (missing.length > 0) throw new Error(`missing ${missing.map((name) => '--' + name).join(', ')}`);
  if (!Number.isInteger(tasks) || tasks < 1) throw new Error(`--tasks must be a positive integer, not '${values.tasks}'`);
  return {
    tracesUrl: values['traces-url'],
    logsUrl: values['logs-url'],
    openAiBaseUrl: values['openai-base-url'],
    tasks,
    useCase: values['use-case'],
    model: values.model,
    evaluation: readEvaluation(values, { logs }),
  };
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

/** How the agent grades its own task, as the root span's `outcome`: of two or more tasks the last fails. */
export function judge(answer, task, tasks) {
  return task === tasks - 1 && tasks > 1 ? 'failure' : 'success';
}

/**
 * An evaluator's verdict on a task's answer, as an application's evaluator (an LLM judge, a test suite) gives it
 * after the agent answered: here the one the command line asks for (`readEvaluation`), on the first task only.
 * Undefined for the other tasks, or when none was asked for.
 */
export function evaluate(answer, task, evaluation) {
  if (evaluation === undefined || task !== 0) return undefined;
  return { ...evaluation, explanation: `${evaluation.name} of a ${String(answer).length}-character answer` };
}

/** The attributes of a verdict's `gen_ai.evaluation.result` event; the score only where the evaluator gave one. */
export function evaluationAttributes({ name, label, score, explanation }) {
  const attributes = {
    'gen_ai.evaluation.name': name,
    'gen_ai.evaluation.score.label': label,
    'gen_ai.evaluation.explanation': explanation,
  };
  if (score !== undefined) attributes['gen_ai.evaluation.score.value'] = score;
  return attributes;
}

/**
 * Sends a verdict as a `gen_ai.evaluation.result` log record on `logger` (an OpenTelemetry JS SDK logger): the SDK
 * writes the event name into the record's `event_name` field, and the trace id of the span active in `context`, the
 * task's, into its `trace_id`, which ties the verdict to the task.
 */
export function emitEvaluation(logger, verdict, context) {
  logger.emit({ eventName: EVALUATION_EVENT, context, attributes: evaluationAttributes(verdict) });
}
