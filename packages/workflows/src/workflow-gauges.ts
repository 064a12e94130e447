import type { GaugeReading, KeelObservability } from '@keel/core';
import type { WorkflowsRuntime } from './workflows-runtime.js';

/**
 * The operator's gauges, read from the tables when metrics are read (a scrape, or the SDK's
 * collection) and never in between: every process sees the same numbers, whoever ran the steps.
 * Returns their removal.
 */
export function workflowGauges(observability: KeelObservability, rt: WorkflowsRuntime, table: string): () => void {
  const read = async (statement: string): Promise<GaugeReading[]> => {
    const rows = await rt.sql.query(statement);
    if (rows.isErr()) throw rows.error;
    return rows.value.rows.map((row) => [[table, ...row.slice(0, -1).map(String)], Number(row.at(-1) ?? 0)] as const);
  };
  const stops = [
    observability.gauge(
      'keel.workflows.runs',
      'Workflow runs by table, workflow and state (running, completed, failed, cancelled).',
      ['table', 'workflow', 'state'],
      () => read(`SELECT workflow, state, COUNT(*) FROM ${table}_runs GROUP BY workflow, state`),
    ),
    observability.gauge(
      'keel.workflows.step_retries',
      'Attempts of steps beyond their first (retries and attempts lost to dead workers), by table, workflow and step.',
      ['table', 'workflow', 'step'],
      () =>
        read(
          `SELECT r.workflow, s.step, SUM(s.attempts - 1) FROM ${table}_steps s JOIN ${table}_runs r ON r.id = s.run_id ` +
            'WHERE s.attempts > 1 GROUP BY r.workflow, s.step',
        ),
    ),
    // This process's circuits (they are per process): 0 closed, 1 half-open, 2 open.
    observability.gauge(
      'keel.workflows.circuit',
      "Each component's circuit in this process, by table: 0 closed, 1 half-open, 2 open.",
      ['table', 'component'],
      () =>
        (rt.breakers?.states() ?? []).map(
          ([component, state]) => [[table, component], state === 'open' ? 2 : state === 'half-open' ? 1 : 0] as const,
        ),
    ),
  ];
  return () => {
    for (const stop of stops) stop();
  };
}
