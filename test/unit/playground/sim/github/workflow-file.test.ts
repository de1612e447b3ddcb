import { describe, expect, it } from 'vitest';
import {
  GREENLIGHT_INPUTS,
  greenlightWorkflow,
  parseWorkflow,
  resolveInputs,
  runTitle,
  workflowYaml,
} from '../../../../../playground/sim/github/workflow-file.js';

describe('workflow files as GitHub reads them for a dispatch', () => {
  it('reads name, run-name and the dispatch inputs back from the YAML it serves', () => {
    const workflow = parseWorkflow('deploy.yml', workflowYaml(greenlightWorkflow('deploy.yml')));
    expect(workflow).toMatchObject({
      path: '.github/workflows/deploy.yml',
      name: 'deploy',
      dispatchable: true,
    });
    expect(workflow.inputs).toEqual(GREENLIGHT_INPUTS);
  });

  it('knows every form of `on`: a string, a list, a map, and a workflow without workflow_dispatch', () => {
    expect(parseWorkflow('a.yml', 'on: workflow_dispatch\n').dispatchable).toBe(true);
    expect(parseWorkflow('b.yml', 'on: [push, workflow_dispatch]\n').dispatchable).toBe(true);
    expect(parseWorkflow('c.yml', 'on:\n  workflow_dispatch:\n').dispatchable).toBe(true);
    expect(parseWorkflow('d.yml', 'on:\n  push: {}\n').dispatchable).toBe(false);
    // Without a name GitHub shows the path.
    expect(parseWorkflow('d.yml', 'on: push\n').name).toBe('.github/workflows/d.yml');
  });

  it('titles a run from run-name (inputs, github.ref_name, github.actor), or with the workflow name', () => {
    const workflow = parseWorkflow(
      'w.yml',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: GitHub Actions expressions, not JS templates
      'name: Deploy\nrun-name: "${{ inputs.env }} ${{ github.event.inputs.id }} on ${{ github.ref_name }} by ${{ github.actor }}${{ secrets.X }}"\non: workflow_dispatch\n',
    );
    expect(runTitle(workflow, { inputs: { env: 'prod', id: 'd1' }, refName: 'main', actor: 'bot' })).toBe(
      'prod d1 on main by bot',
    );
    expect(
      runTitle(parseWorkflow('x.yml', 'name: Plain\non: workflow_dispatch\n'), {
        inputs: {},
        refName: 'main',
        actor: 'bot',
      }),
    ).toBe('Plain');
  });

  it('fills in defaults, compares names as GitHub does (case-insensitively), and checks booleans', () => {
    const workflow = parseWorkflow(
      'w.yml',
      workflowYaml({
        file: 'w.yml',
        inputs: { Region: { default: 'eu' }, dry_run: { type: 'boolean', default: false } },
      }),
    );
    expect(resolveInputs(workflow, { region: 'us' })).toEqual({
      ok: true,
      inputs: { Region: 'us', dry_run: 'false' },
    });
    expect(resolveInputs(workflow, {})).toEqual({ ok: true, inputs: { Region: 'eu', dry_run: 'false' } });
    expect(resolveInputs(workflow, { dry_run: 'maybe' })).toMatchObject({
      ok: false,
      problem: { kind: 'invalid', name: 'dry_run', why: 'is not a valid boolean' },
    });
  });
});
