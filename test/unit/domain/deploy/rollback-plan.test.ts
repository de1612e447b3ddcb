import { describe, expect, it } from 'vitest';
import { planRollback, type RollbackPlanConfig } from '../../../../src/domain/deploy/rollback-plan.js';

const config: RollbackPlanConfig = {
  github: { owner: 'acme', repo: 'platform', workflow: 'production-deployment.yml', ref: 'main' },
  services: {
    api: { health: [] },
    web: { health: [], repo: 'acme/web', workflow: 'deploy.yml' },
    search: { health: [], repo: 'acme/search', rollback: { repo: 'acme/ops', workflow: 'undo.yml' } },
    billing: { health: [], workflow: 'billing.yml' },
  },
  rollback: { workflow: 'rollback.yml', inputs: { deployment_phase: 'rollback' } },
};

describe('planRollback: where /rollback <service> dispatches', () => {
  it.each([
    ['api', 'acme/platform', 'rollback.yml'],
    ['web', 'acme/web', 'deploy.yml'],
    ['search', 'acme/ops', 'undo.yml'],
    // In github.repo, rollback.workflow is the rollback's workflow, whatever the service deploys with.
    ['billing', 'acme/platform', 'rollback.yml'],
  ])('%s: in %s with %s, at github.ref', (service, repository, workflow) => {
    const result = planRollback(config, { service, env: 'production', version: 'v1', greenlightId: 'gl' });
    if (!result.ok) throw new Error(result.message);
    const [phase] = result.plan.phases;
    expect(`${phase?.repository?.owner}/${phase?.repository?.repo}`).toBe(repository);
    expect(phase?.workflow).toBe(workflow);
    expect(phase?.dispatchRef).toBe('main');
    expect(phase?.inputs.service).toBe(service);
    expect(result.plan.repository).toEqual({ owner: 'acme', repo: 'platform' });
  });
});
