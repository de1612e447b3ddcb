import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createMetrics, registerStateGauges } from '../../src/adapters/http/metrics.js';

const examples = (name: string) => readFileSync(resolve(import.meta.dirname, '../../examples', name), 'utf8');

/** Every series name greenlight exports, histograms with their `_bucket`, `_sum` and `_count`. */
async function exportedNames(): Promise<Set<string>> {
  const metrics = createMetrics();
  registerStateGauges(metrics, { environments: [] });
  const names = new Set<string>();
  for (const metric of await metrics.registry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (String(metric.type) === 'histogram')
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${metric.name}${suffix}`);
  }
  return names;
}

/**
 * Parses PromQL with Prometheus' own grammar (the one its UI uses): the syntax errors it finds, and the metric names
 * the expression selects. Grafana's variables are given example values first.
 */
function promql(expr: string): { errors: string[]; metrics: string[] } {
  const text = expr.replaceAll('$__rate_interval', '5m').replaceAll('$env', '.*');
  const tree = parser.parse(text);
  const errors: string[] = [];
  const metrics: string[] = [];
  tree.iterate({
    enter(node) {
      if (node.type.isError) errors.push(`syntax error at ${node.from} in ${text}`);
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector')
        metrics.push(text.slice(node.from, node.to));
    },
  });
  return { errors, metrics };
}

describe('examples/', () => {
  it('the Prometheus alerting rules parse, and select only metrics greenlight exports', async () => {
    const names = await exportedNames();
    const rules = parse(examples('prometheus-alerts.yml')) as {
      groups: { name: string; rules: { alert: string; expr: string; labels: { severity: string } }[] }[];
    };
    const all = rules.groups.flatMap((group) => group.rules);
    expect(all.map((rule) => rule.alert)).toEqual(
      expect.arrayContaining([
        'GreenlightDeploymentStuck',
        'GreenlightGitHubRateLimitLow',
        'GreenlightAutomaticRollback',
      ]),
    );
    for (const rule of all) {
      const { errors, metrics } = promql(rule.expr);
      expect(errors, rule.alert).toEqual([]);
      expect(metrics.length, rule.alert).toBeGreaterThan(0);
      for (const metric of metrics) expect(names, `${rule.alert}: ${metric}`).toContain(metric);
      expect(['warning', 'critical']).toContain(rule.labels.severity);
    }
  });

  it('the Grafana dashboard is JSON whose every query parses and selects metrics greenlight exports', async () => {
    const names = await exportedNames();
    const dashboard = JSON.parse(examples('grafana-dashboard.json')) as {
      panels: { title: string; targets: { expr: string }[] }[];
      templating: { list: { query: string | object }[] };
    };
    const exprs = dashboard.panels.flatMap((panel) =>
      panel.targets.map((target) => [panel.title, target.expr]),
    );
    expect(exprs.length).toBeGreaterThan(10);
    const selected = new Set<string>();
    for (const [title, expr] of exprs) {
      const { errors, metrics } = promql(expr ?? '');
      expect(errors, title).toEqual([]);
      for (const metric of metrics) {
        expect(names, `${title}: ${metric}`).toContain(metric);
        selected.add(metric.replace(/_(bucket|sum|count)$/, ''));
      }
    }
    // Every family of the deployment metrics has a panel.
    for (const name of names)
      if (
        !name.startsWith('greenlight_process') &&
        !name.startsWith('greenlight_nodejs') &&
        !/_(bucket|sum|count)$/.test(name)
      )
        if (/deployment|phase|canary|rollback|gate|queue|github|incident|locked/.test(name))
          expect(selected, name).toContain(name);
    const variables = dashboard.templating.list
      .map((variable) => variable.query)
      .filter((query) => typeof query === 'string');
    for (const query of variables as string[]) {
      const metric = /label_values\((\w+)/.exec(query)?.[1];
      if (metric) expect(names).toContain(metric);
    }
  });
});
