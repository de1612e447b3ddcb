import type { DeployRecord } from './deploy-record.js';
import type { RollbackRun } from './deployment-state.js';
import { type Repository, type RollbackWorkflow, repositoryName } from './workflow-inputs.js';

/**
 * The rollback runs of a rollout that went wrong: one per repository (and rollback workflow) it deployed to, each
 * where `/rollback <service>` would dispatch for the services it deployed there (`rollback.services`), and in
 * `github.repo` with `rollback.workflow` for its phases without services. A repository was deployed to when a phase
 * there has a run, or was being dispatched when the rollback started (its run may have gone out). When no phase
 * deployed anything (a monitoring window came first), the one rollback of `github.repo`, as always.
 *
 * The run in `github.repo` keeps the correlation id `<deployment>-rollback` the single rollback always had, so a
 * rollback an older greenlight sent before it stopped is found, not sent again; the others are
 * `<deployment>-rollback-<owner>.<name>` (an owner has no dot), unique per repository.
 */
export function rolloutRollbackRuns(
  record: Pick<DeployRecord, 'state' | 'plan'>,
  rollback: RollbackWorkflow,
): RollbackRun[] {
  const { state, plan } = record;
  const main = plan.repository ?? rollback.repository;
  const fallback = { ...(main ? { repository: main } : {}), workflow: rollback.workflow };
  const dispatching = new Set(state.rollback?.dispatchingPhases ?? []);
  const targets = new Map<string, { repository?: Repository; workflow: string; services: string[] }>();
  const add = (target: { repository?: Repository; workflow: string }, service?: string) => {
    const key = `${target.repository ? repositoryName(target.repository) : ''}|${target.workflow}`;
    const entry = targets.get(key) ?? { ...target, services: [] };
    if (service !== undefined && !entry.services.includes(service)) entry.services.push(service);
    targets.set(key, entry);
  };
  for (const phase of state.phases) {
    if (phase.runs.length === 0 && !dispatching.has(phase.id)) continue;
    const planned = plan.phases.find((candidate) => candidate.id === phase.id);
    if (planned?.workflow === undefined) continue;
    const named = planned.services ?? [];
    const deployed = named.filter((service) => plan.services.includes(service));
    const services = deployed.length > 0 ? deployed : named;
    if (services.length === 0) add(fallback);
    for (const service of services) {
      const own = rollback.services?.[service];
      const repository = own?.repository ?? main;
      add({ ...(repository ? { repository } : {}), workflow: own?.workflow ?? rollback.workflow }, service);
    }
  }
  if (targets.size === 0) add(fallback);
  const used = new Set<string>();
  return [...targets.values()].map(({ repository, workflow, services }) => {
    const inMain = !repository || !main || repositoryName(repository) === repositoryName(main);
    let correlationId = `${plan.greenlightId}-rollback`;
    if (!inMain || used.has(correlationId)) {
      const base = `${correlationId}-${repository ? `${repository.owner}.${repository.repo}` : 'main'}`;
      correlationId = base;
      for (let n = 2; used.has(correlationId); n += 1) correlationId = `${base}-${n}`;
    }
    used.add(correlationId);
    return {
      correlationId,
      ...(repository ? { repository } : {}),
      workflow,
      ...(services.length > 0 ? { services } : {}),
    };
  });
}
