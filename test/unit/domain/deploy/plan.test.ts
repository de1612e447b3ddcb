import { describe, expect, it } from 'vitest';
import type { FileConfig } from '../../../../src/config/file-schema.js';
import { type PlanConfig, type PlanRequest, planDeployment } from '../../../../src/domain/deploy/plan.js';
import { MAX_WORKFLOW_INPUTS, phaseDispatches } from '../../../../src/domain/deploy/workflow-inputs.js';

// The loaded config is accepted as is.
const fromFileConfig = (config: FileConfig): PlanConfig => config;

const config: PlanConfig = {
  github: { workflow: 'production-deployment.yml', ref: 'main' },
  environments: {
    staging: { approvals: 0, approvers: [] },
    production: { approvals: 2, approvers: ['@release-managers'] },
  },
  services: { api: {}, web: {}, worker: {} },
  pipeline: [
    { id: 'validation', title: 'Pre-deployment validation', inputs: { deployment_phase: 'validation' } },
    {
      id: 'database_migration',
      title: 'Database migration',
      gate: 'approval',
      inputs: { deployment_phase: 'database_migration', backup: true },
    },
    {
      id: 'backend_deployment',
      title: 'Backend deploy',
      services: ['api'],
      inputs: { deployment_phase: 'backend_deployment' },
    },
    {
      id: 'frontend_deployment',
      title: 'Frontend deploy',
      services: ['web'],
      workflow: 'frontend.yml',
      inputs: { deployment_phase: 'frontend_deployment', replicas: 3 },
    },
    {
      id: 'traffic_switch',
      title: 'Traffic switch',
      inputs: { deployment_phase: 'traffic_switch' },
      canary: { steps: [5, 10, 25, 50, 100], hold: 300_000, gate: 'approval' },
    },
    { id: 'monitoring', title: 'Post-switch monitoring', inputs: {}, monitor: 900_000 },
  ],
};

const request: PlanRequest = { env: 'production', greenlightId: 'gl_42' };
const added = { environment: 'production', ref: 'main', greenlight_id: 'gl_42' };

describe('planDeployment', () => {
  it('resolves every phase with its workflow, string inputs plus greenlight’s own, gates and timings', () => {
    expect(planDeployment(config, request)).toEqual({
      ok: true,
      plan: {
        env: 'production',
        ref: 'main',
        greenlightId: 'gl_42',
        approvalsAtStart: 2,
        approvers: ['@release-managers'],
        skippedPhases: [],
        phases: [
          {
            id: 'validation',
            title: 'Pre-deployment validation',
            workflow: 'production-deployment.yml',
            inputs: { deployment_phase: 'validation', ...added },
          },
          {
            id: 'database_migration',
            title: 'Database migration',
            workflow: 'production-deployment.yml',
            gate: 'approval',
            inputs: { deployment_phase: 'database_migration', backup: 'true', ...added },
          },
          {
            id: 'backend_deployment',
            title: 'Backend deploy',
            workflow: 'production-deployment.yml',
            services: ['api'],
            inputs: { deployment_phase: 'backend_deployment', ...added },
          },
          {
            id: 'frontend_deployment',
            title: 'Frontend deploy',
            workflow: 'frontend.yml',
            services: ['web'],
            inputs: { deployment_phase: 'frontend_deployment', replicas: '3', ...added },
          },
          {
            id: 'traffic_switch',
            title: 'Traffic switch',
            workflow: 'production-deployment.yml',
            canarySteps: [5, 10, 25, 50, 100],
            holdMs: 300_000,
            canaryGate: 'approval',
            inputs: { deployment_phase: 'traffic_switch', ...added },
          },
          { id: 'monitoring', title: 'Post-switch monitoring', monitorMs: 900_000, inputs: {} },
        ],
        services: ['api', 'web'],
        analysis: {
          source: 'none',
          intervalMs: 10_000,
          thresholds: {
            errorRate: { warn: 0.01, rollback: 0.05 },
            p95RatioToBaseline: 2,
            healthFailuresToRollback: 3,
            noDataToPause: 3,
          },
        },
      },
    });
  });

  it('watches a monitoring phase with nothing to dispatch, and takes the thresholds from `analysis`', () => {
    const result = planDeployment(
      {
        ...config,
        analysis: {
          source: 'redis-counters',
          interval: 5_000,
          noDataToPause: 4,
          errorRate: { warn: 0.02, rollback: 0.08 },
          p95: { rollbackAtRatioToBaseline: 3 },
          healthFailuresToRollback: 2,
        },
      },
      { ...request, services: ['web'] },
    );
    expect(result.ok && result.plan.analysis).toEqual({
      source: 'redis-counters',
      intervalMs: 5_000,
      thresholds: {
        errorRate: { warn: 0.02, rollback: 0.08 },
        p95RatioToBaseline: 3,
        healthFailuresToRollback: 2,
        noDataToPause: 4,
      },
    });
    expect(result.ok && result.plan.services).toEqual(['web']);
    const monitoring = result.ok ? result.plan.phases.find((phase) => phase.id === 'monitoring') : undefined;
    expect(monitoring).toEqual({
      id: 'monitoring',
      title: 'Post-switch monitoring',
      monitorMs: 900_000,
      inputs: {},
    });
  });

  it('uses the ref asked for over the configured default', () => {
    const result = planDeployment(config, { ...request, ref: '4f7d47f' });
    expect(result.ok && result.plan.ref).toBe('4f7d47f');
    const dispatched = result.ok ? result.plan.phases.filter((phase) => phase.workflow !== undefined) : [];
    expect(dispatched.length).toBeGreaterThan(0);
    expect(dispatched.every((phase) => phase.inputs.ref === '4f7d47f')).toBe(true);
  });

  it('drops gates where the environment needs no approvals', () => {
    const result = planDeployment(config, { ...request, env: 'staging' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.plan.approvalsAtStart).toBe(0);
    expect(result.plan.phases.some((phase) => phase.gate || phase.canaryGate)).toBe(false);
  });

  it('with --services runs the phases naming one of them plus the phases naming none', () => {
    const result = planDeployment(config, { ...request, services: ['web'] });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.plan.phases.map((phase) => phase.id)).toEqual([
      'validation',
      'database_migration',
      'frontend_deployment',
      'traffic_switch',
      'monitoring',
    ]);
    expect(result.plan.skippedPhases).toEqual([{ id: 'backend_deployment', title: 'Backend deploy' }]);
  });

  it.each<[string, PlanConfig, Partial<PlanRequest>, string, string]>([
    ['an unknown environment', config, { env: 'prod' }, 'unknown-environment', 'Did you mean `production`?'],
    [
      'an unknown environment with no close match',
      config,
      { env: 'qa' },
      'unknown-environment',
      'Known: `staging`, `production`.',
    ],
    ['an empty pipeline', { ...config, pipeline: [] }, {}, 'empty-pipeline', 'no phases'],
    ['no ref anywhere', { ...config, github: undefined }, {}, 'no-ref', 'Say which ref'],
    [
      'an unknown service',
      config,
      { services: ['api', 'db'] },
      'unknown-service',
      'There is no service `db`; known services: `api`, `web`, `worker`.',
    ],
    [
      'a service no phase deploys',
      config,
      { services: ['worker'] },
      'service-not-in-pipeline',
      'No pipeline phase deploys `worker`',
    ],
    [
      'a phase setting an input greenlight sets',
      { ...config, pipeline: [{ id: 'p', title: 'P', inputs: { ref: 'x' } }] },
      {},
      'input-clash',
      'Phase `p`: input `ref` is set by greenlight itself',
    ],
    [
      'a phase setting an input greenlight sets, in another case',
      { ...config, pipeline: [{ id: 'p', title: 'P', inputs: { Environment: 'x' } }] },
      {},
      'input-clash',
      'Phase `p`: input `Environment` is set by greenlight itself',
    ],
    [
      'a canary phase setting traffic_percentage',
      {
        ...config,
        pipeline: [
          { id: 'c', title: 'C', inputs: { traffic_percentage: 5 }, canary: { steps: [5], hold: 1 } },
        ],
      },
      {},
      'input-clash',
      'Phase `c`: input `traffic_percentage` is set by greenlight at each canary step',
    ],
    [
      'an input name GitHub would refuse',
      { ...config, pipeline: [{ id: 'p', title: 'P', inputs: { 'bad name': 'x' } }] },
      {},
      'invalid-input-name',
      'Phase `p`: input `bad name` is not a valid workflow input name',
    ],
    [
      'a phase with no workflow and no default',
      { ...config, github: undefined },
      { ref: 'main' },
      'no-workflow',
      'Phase `validation` names no workflow',
    ],
  ])('refuses %s', (_, planConfig, change, reason, fragment) => {
    const result = planDeployment(planConfig, { ...request, ...change });
    expect(result).toMatchObject({ ok: false, reason });
    if (!result.ok) expect(result.message).toContain(fragment);
  });

  it(`accepts ${MAX_WORKFLOW_INPUTS} inputs in all and refuses one more, counting traffic_percentage`, () => {
    const inputs = (count: number) =>
      Object.fromEntries(Array.from({ length: count }, (_, i) => [`in${i}`, i]));
    const plain = (count: number): PlanConfig => ({
      ...config,
      pipeline: [{ id: 'wide', title: 'Wide', inputs: inputs(count) }],
    });
    const canary = (count: number): PlanConfig => ({
      ...config,
      pipeline: [{ id: 'wide', title: 'Wide', inputs: inputs(count), canary: { steps: [50, 100], hold: 1 } }],
    });
    expect(planDeployment(plain(7), request).ok).toBe(true);
    expect(planDeployment(canary(6), request).ok).toBe(true);
    for (const wide of [plain(8), canary(7)]) {
      const result = planDeployment(wide, request);
      expect(result).toMatchObject({ ok: false, reason: 'too-many-inputs' });
      if (!result.ok)
        expect(result.message).toContain('Phase `wide`: this phase would send 11 workflow inputs');
    }
  });

  it('only checks the input limit on phases that will run', () => {
    const wide = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`in${i}`, i]));
    const withWideFrontend: PlanConfig = {
      ...config,
      pipeline: [...config.pipeline, { id: 'cdn', title: 'CDN', services: ['web'], inputs: wide }],
    };
    expect(planDeployment(withWideFrontend, { ...request, services: ['api'] }).ok).toBe(true);
    expect(planDeployment(withWideFrontend, request)).toMatchObject({ ok: false, reason: 'too-many-inputs' });
  });

  it('shares nothing mutable with the config', () => {
    const result = planDeployment(config, request);
    if (!result.ok) throw new Error(result.message);
    result.plan.approvers.push('U999');
    result.plan.phases[4]?.canarySteps?.push(1);
    expect(config.environments.production?.approvers).toEqual(['@release-managers']);
    expect(config.pipeline[4]?.canary?.steps).toEqual([5, 10, 25, 50, 100]);
    expect(fromFileConfig).toBeTypeOf('function');
  });
});

describe('services in several repositories', () => {
  const repos: PlanConfig = {
    ...config,
    github: { owner: 'acme', repo: 'platform', workflow: 'production-deployment.yml', ref: 'main' },
    services: {
      api: { repo: 'acme/api', workflow: 'deploy.yml' },
      web: { repo: 'acme/web' },
      worker: {},
    },
    pipeline: [
      { id: 'validation', title: 'Validation', inputs: { deployment_phase: 'validation' } },
      {
        id: 'backend',
        title: 'Backend',
        services: ['api', 'worker'],
        inputs: { deployment_phase: 'backend' },
      },
      {
        id: 'frontend',
        title: 'Frontend',
        services: ['web'],
        workflow: 'web.yml',
        inputs: { deployment_phase: 'web' },
      },
    ],
  };
  const where = (config: PlanConfig, services?: string[]) => {
    const result = planDeployment(config, {
      env: 'staging',
      greenlightId: 'gl',
      ...(services ? { services } : {}),
    });
    if (!result.ok) throw new Error(result.message);
    return result.plan.phases.flatMap((phase) =>
      phaseDispatches(result.plan, phase).map((dispatch) => [
        phase.id,
        `${dispatch.repository?.owner}/${dispatch.repository?.repo}`,
        dispatch.workflow,
        phase.title,
      ]),
    );
  };

  it('dispatches each phase once per repository of its services, with the service’s workflow, else the phase’s', () => {
    expect(where(repos)).toEqual([
      ['validation', 'acme/platform', 'production-deployment.yml', 'Validation'],
      ['backend.api', 'acme/api', 'deploy.yml', 'Backend (acme/api)'],
      ['backend.platform', 'acme/platform', 'production-deployment.yml', 'Backend (acme/platform)'],
      ['frontend', 'acme/web', 'web.yml', 'Frontend'],
    ]);
  });

  it('keeps only the repositories of the services asked for', () => {
    expect(where(repos, ['worker'])).toEqual([
      ['validation', 'acme/platform', 'production-deployment.yml', 'Validation'],
      ['backend', 'acme/platform', 'production-deployment.yml', 'Backend'],
    ]);
  });

  it('changes nothing for services in github.repo: one dispatch per phase there, ids and titles as written', () => {
    const single = { ...repos, services: { api: {}, web: {}, worker: {} } };
    expect(where(single).map(([id, repo]) => `${id} ${repo}`)).toEqual([
      'validation acme/platform',
      'backend acme/platform',
      'frontend acme/platform',
    ]);
  });
});
