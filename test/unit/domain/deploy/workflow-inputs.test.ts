import { describe, expect, it } from 'vitest';
import { type PlanConfig, planDeployment } from '../../../../src/domain/deploy/plan.js';
import { planRollback } from '../../../../src/domain/deploy/rollback-plan.js';
import { phaseDispatches, rollbackDispatch } from '../../../../src/domain/deploy/workflow-inputs.js';

const config: PlanConfig = {
  github: { workflow: 'production-deployment.yml', ref: 'main' },
  environments: { production: { approvals: 0, approvers: [] } },
  services: { api: {} },
  pipeline: [
    { id: 'validation', title: 'Validation', inputs: { deployment_phase: 'validation', dry_run: false } },
    {
      id: 'traffic_switch',
      title: 'Traffic switch',
      inputs: { deployment_phase: 'traffic_switch' },
      canary: { steps: [5, 25, 100], hold: 60_000 },
    },
    { id: 'monitoring', title: 'Monitoring', inputs: {}, monitor: 60_000 },
  ],
};

function plan() {
  const planned = planDeployment(config, { env: 'production', ref: 'v2.3.1', greenlightId: 'gl_7' });
  if (!planned.ok) throw new Error(planned.message);
  return planned.plan;
}

describe('phaseDispatches', () => {
  it('sends a phase once, with its own inputs, environment, ref and a greenlight_id naming phase and step', () => {
    const planned = plan();
    const [validation] = planned.phases;
    expect(phaseDispatches(planned, validation!)).toEqual([
      {
        workflow: 'production-deployment.yml',
        ref: 'v2.3.1',
        correlationId: 'gl_7-validation-0',
        inputs: {
          deployment_phase: 'validation',
          dry_run: 'false',
          environment: 'production',
          ref: 'v2.3.1',
          greenlight_id: 'gl_7-validation-0',
        },
      },
    ]);
  });

  it('sends a canary phase once per step, each with its greenlight_id and traffic_percentage, in that order', () => {
    const planned = plan();
    const dispatches = phaseDispatches(planned, planned.phases[1]!);
    expect(dispatches.map((dispatch) => JSON.stringify(dispatch.inputs))).toEqual(
      [5, 25, 100].map((percentage, step) =>
        JSON.stringify({
          deployment_phase: 'traffic_switch',
          environment: 'production',
          ref: 'v2.3.1',
          greenlight_id: `gl_7-traffic_switch-${step}`,
          traffic_percentage: String(percentage),
        }),
      ),
    );
    expect(dispatches.map((dispatch) => dispatch.percentage)).toEqual([5, 25, 100]);
  });

  it('sends nothing for a monitoring-only phase', () => {
    const planned = plan();
    expect(phaseDispatches(planned, planned.phases[2]!)).toEqual([]);
  });

  it('sends a /rollback at the default branch with the service and the version it goes back to', () => {
    const planned = planRollback(
      {
        github: { workflow: 'production-deployment.yml', ref: 'main' },
        services: { api: { health: [] } },
        rollback: { inputs: { deployment_phase: 'rollback' } },
      },
      { service: 'api', env: 'production', version: 'v1.9.0', greenlightId: 'gl_8' },
    );
    if (!planned.ok) throw new Error(planned.message);
    expect(phaseDispatches(planned.plan, planned.plan.phases[0]!)).toEqual([
      {
        workflow: 'production-deployment.yml',
        ref: 'main',
        correlationId: 'gl_8-rollback-0',
        inputs: {
          deployment_phase: 'rollback',
          service: 'api',
          rollback_version: 'v1.9.0',
          environment: 'production',
          ref: 'v1.9.0',
          greenlight_id: 'gl_8-rollback-0',
        },
      },
    ]);
  });
});

describe('rollbackDispatch', () => {
  const rollback = { workflow: 'rollback.yml', ref: 'main', inputs: { deployment_phase: 'rollback' } };

  it('rolls a rollout back with the version to go back to, its environment and ref, and `<id>-rollback`', () => {
    expect(rollbackDispatch(rollback, { id: 'gl_9', env: 'production', ref: 'v2', version: 'v1' })).toEqual({
      ok: true,
      dispatch: {
        workflow: 'rollback.yml',
        ref: 'main',
        correlationId: 'gl_9-rollback',
        inputs: {
          deployment_phase: 'rollback',
          rollback_version: 'v1',
          environment: 'production',
          ref: 'v2',
          greenlight_id: 'gl_9-rollback',
        },
      },
    });
  });

  it('leaves rollback_version out when no earlier good version is known', () => {
    const built = rollbackDispatch(rollback, { id: 'gl_9', env: 'production', ref: 'v2' });
    expect(built.ok && Object.keys(built.dispatch.inputs)).toEqual([
      'deployment_phase',
      'environment',
      'ref',
      'greenlight_id',
    ]);
  });

  it('refuses rollback inputs that clash with greenlight’s own', () => {
    expect(
      rollbackDispatch(
        { ...rollback, inputs: { environment: 'x' } },
        { id: 'gl_9', env: 'production', ref: 'v2' },
      ),
    ).toMatchObject({ ok: false, reason: 'input_name_clash' });
  });
});
