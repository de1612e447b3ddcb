import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { validateWorkflow } from '@action-validator/core';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { declaredDispatch } from '../../src/adapters/github/setup-probe.js';
import { fileSchema } from '../../src/config/file-schema.js';
import { workflowDispatches } from '../../src/domain/preflight/dispatches.js';
import { workflowInputProblems } from '../../src/domain/preflight/workflow-inputs-check.js';

const root = resolve(import.meta.dirname, '../..');
const EXAMPLES = resolve(root, 'examples/workflows');
const examples = readdirSync(EXAMPLES).filter((file) => file.endsWith('.yml'));

/** What greenlight dispatches under greenlight.example.yml, which names the examples' file as its workflow. */
const config = fileSchema.parse(parse(readFileSync(resolve(root, 'greenlight.example.yml'), 'utf8')));
const dispatches = workflowDispatches(config);
const WORKFLOW = config.github?.workflow ?? '';

/** The same check `npm run check` makes of a workflow read from GitHub. */
function problems(yaml: string): string[] {
  const declared = declaredDispatch(yaml, `examples/workflows/${WORKFLOW}`, 'main');
  if (!declared.ok) return [declared.problem];
  return workflowInputProblems(WORKFLOW, declared.value, dispatches);
}

/** What the linter (action-validator, GitHub's workflow schema) finds wrong, one line each. */
function lint(yaml: string): string[] {
  return validateWorkflow(yaml).errors.map((error) => `${'path' in error ? error.path : ''} ${error.title}`);
}

describe('the example workflows (examples/workflows)', () => {
  it('cover the runbooks’ platforms', () => {
    expect(examples.sort()).toEqual(['fly.yml', 'kubernetes.yml', 'railway.yml', 'render.yml', 'vercel.yml']);
    // Every kind of dispatch the example config makes: the phases, a canary phase, both rollbacks.
    expect(dispatches.map((dispatch) => dispatch.sender)).toEqual([
      'phase `validation`',
      'phase `database_migration`',
      'phase `backend_deployment`',
      'phase `frontend_deployment`',
      'canary phase `traffic_switch`',
      'an automatic rollback',
      '/rollback',
    ]);
  });

  describe.each(examples)('%s', (file) => {
    const yaml = readFileSync(resolve(EXAMPLES, file), 'utf8');
    const workflow = parse(yaml) as { 'run-name'?: string; on: { workflow_dispatch: { inputs: object } } };

    it('accepts every input greenlight sends under the example config, as npm run check would', () => {
      expect(problems(yaml)).toEqual([]);
      expect(Object.keys(workflow.on.workflow_dispatch.inputs).sort()).toEqual([
        'deployment_phase',
        'environment',
        'greenlight_id',
        'ref',
        'rollback_version',
        'service',
        'traffic_percentage',
      ]);
    });

    it('puts greenlight_id in its run name, so greenlight finds the run on any server', () => {
      expect(workflow['run-name']).toMatch(/\$\{\{\s*inputs\.greenlight_id\s*\}\}/);
    });

    it('runs every phase of the runbooks, with a backup before the migration, and secrets only as secrets.*', () => {
      for (const phase of [
        'validation',
        'database_migration',
        'backend_deployment',
        'frontend_deployment',
        'traffic_switch',
        'rollback',
      ])
        expect(yaml).toContain(`inputs.deployment_phase == '${phase}'`);
      expect(yaml).toMatch(/database_migration: back up the database/);
      expect(yaml.indexOf('back up the database')).toBeLessThan(yaml.indexOf('database_migration: migrate'));
      for (const input of ['traffic_percentage', 'rollback_version', 'service'])
        expect(yaml).toMatch(new RegExp(`\\$\\{\\{ inputs\\.${input} \\}\\}`));
      // No credential typed into the file.
      expect(yaml).not.toMatch(/(token|key|password)\s*[:=]\s*["']?[A-Za-z0-9_-]{16,}/i);
      expect(yaml).toMatch(/\$\{\{ secrets\.[A-Z_]+ \}\}/);
    });

    it('passes the workflow linter', () => {
      expect(lint(yaml)).toEqual([]);
    });
  });

  it('the check and the linter can fail: an undeclared input, a misspelt key', () => {
    const yaml = readFileSync(resolve(EXAMPLES, 'kubernetes.yml'), 'utf8');
    const withoutService = yaml.replace(/ {6}service:\n(?: {8}.*\n)+/, '');
    expect(problems(withoutService)).toEqual([
      expect.stringContaining(
        'workflow `production-deployment.yml` does not declare input `service`, which /rollback sends',
      ),
    ]);
    expect(lint(yaml.replace('runs-on:', 'runs_on:'))).not.toEqual([]);
  });
});
