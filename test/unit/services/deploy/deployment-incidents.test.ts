import { describe, expect, it } from 'vitest';
import type { DeployRecord } from '../../../../src/domain/deploy/deploy-record.js';
import type { DeploymentState } from '../../../../src/domain/deploy/deployment-state.js';
import type { IncidentState, RollbackIncidentRequest } from '../../../../src/domain/incidents/incident.js';
import {
  confirmedRollback,
  DeploymentIncidents,
  rolledBackRollout,
} from '../../../../src/services/deploy/deployment-incidents.js';

const T0 = Date.parse('2026-03-02T10:00:00Z');

const rollout = {
  id: 'd1',
  env: 'production',
  ref: 'v1.2.0',
  requestedBy: 'U0ALICE',
  requestedAt: T0,
  status: 'rolling_back',
  rollback: {
    reason: 'error rate 7 % above 5 %',
    requestedAt: T0 + 60_000,
    runs: [{ correlationId: 'd1-rollback', runId: 9, url: 'https://runs/9' }],
    version: 'v1.1.0',
  },
} as DeploymentState;

const confirmed = {
  id: 'd2',
  env: 'staging',
  ref: 'v1.0.0',
  requestedBy: 'U0BOB',
  requestedAt: T0,
  status: 'running',
  rollbackOf: { service: 'api', reason: 'checkout errors' },
} as DeploymentState;

/** The deployment registry and the incident registry, in memory: a claim is taken once, as in the record. */
function world(states: DeploymentState[]) {
  const claimed = new Set<string>();
  const declared: RollbackIncidentRequest[] = [];
  const incidents = new Map<string, IncidentState>();
  const deploymentIncidents = new DeploymentIncidents({
    records: {
      async state(id) {
        return states.find((state) => state.id === id);
      },
      async claimIncident(id) {
        const state = states.find((candidate) => candidate.id === id);
        if (!state || claimed.has(id)) return undefined;
        claimed.add(id);
        return { state } as DeployRecord;
      },
    },
    incidents: {
      async declareFromRollback(request) {
        declared.push(request);
        const incident = { id: `inc-${declared.length}`, severity: 'sev2' } as IncidentState;
        incidents.set(request.deploymentId, incident);
        return { ok: true, incident, warnings: [] };
      },
      async forDeployment(id) {
        return incidents.get(id);
      },
    },
  });
  return { deploymentIncidents, claimed, declared, incidents };
}

describe('declareForDeployment', () => {
  it("declares a rolled-back rollout's incident once, with its reason, run and version", async () => {
    const { deploymentIncidents, declared } = world([rollout]);
    const first = await deploymentIncidents.declareForDeployment('d1', rolledBackRollout);
    const again = await deploymentIncidents.declareForDeployment('d1', rolledBackRollout);
    expect(first).toMatchObject({ status: 'declared', outcome: { ok: true, incident: { id: 'inc-1' } } });
    expect(again).toEqual({ status: 'existing', incident: { id: 'inc-1', severity: 'sev2' } });
    expect(declared).toEqual([
      {
        env: 'production',
        deploymentId: 'd1',
        deploymentName: 'd1',
        reason: 'error rate 7 % above 5 %',
        rollbackRunUrl: 'https://runs/9',
        version: 'v1.1.0',
      },
    ]);
  });

  it('declares a confirmed /rollback by the person who asked, and says when another caller is still declaring', async () => {
    const { deploymentIncidents, claimed, declared } = world([confirmed]);
    claimed.add('d2');
    expect(await deploymentIncidents.declareForDeployment('d2', confirmedRollback('U0CAROL'))).toEqual({
      status: 'declaring',
    });
    claimed.clear();
    await deploymentIncidents.declareForDeployment('d2', confirmedRollback('U0CAROL'));
    expect(declared).toEqual([
      {
        env: 'staging',
        deploymentId: 'd2',
        deploymentName: 'd2',
        reason: 'api rolled back to v1.0.0: checkout errors',
        version: 'v1.0.0',
        by: 'U0CAROL',
      },
    ]);
  });

  it('claims nothing for a deployment with nothing to declare, or none at all', async () => {
    const { deploymentIncidents, claimed, declared } = world([rollout]);
    expect(await deploymentIncidents.declareForDeployment('d1', confirmedRollback('U0CAROL'))).toEqual({
      status: 'nothing',
    });
    expect(await deploymentIncidents.declareForDeployment('gone', rolledBackRollout)).toEqual({
      status: 'nothing',
    });
    expect(claimed.size).toBe(0);
    expect(declared).toEqual([]);
  });
});
