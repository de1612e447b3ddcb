import { describe, expect, it } from 'vitest';
import { fileSchema } from '../../../../src/config/file-schema.js';
import { workflowDispatches } from '../../../../src/domain/preflight/dispatches.js';
import {
  type DeclaredDispatch,
  type DeclaredInput,
  workflowInputProblems,
} from '../../../../src/domain/preflight/workflow-inputs-check.js';

/** greenlight.yml as loaded: one plain phase, one canary phase on the same workflow, rollbacks on another. */
const config = fileSchema.parse({
  slack: { statusChannel: '#deployment-status' },
  github: { owner: 'acme', repo: 'platform', workflow: 'deploy.yml', ref: 'main' },
  environments: { staging: {}, production: { approvals: 1, approvers: ['U0CAROL'] } },
  services: { api: {} },
  pipeline: [
    { id: 'validation', title: 'Validation', inputs: { deployment_phase: 'validation', dry: 'true' } },
    {
      id: 'traffic',
      title: 'Traffic',
      inputs: { deployment_phase: 'traffic' },
      canary: { steps: [10, 100] },
    },
  ],
  rollback: { workflow: 'rollback.yml', inputs: { deployment_phase: 'rollback' } },
});

const dispatches = workflowDispatches(config);

const input = (name: string, more: Partial<DeclaredInput> = {}): DeclaredInput => ({
  name,
  required: false,
  hasDefault: false,
  ...more,
});

const declaring = (...inputs: DeclaredInput[]): DeclaredDispatch => ({ dispatchable: true, inputs });

const DEPLOY_INPUTS = [
  'deployment_phase',
  'dry',
  'environment',
  'ref',
  'greenlight_id',
  'traffic_percentage',
];
const ROLLBACK_INPUTS = [
  'deployment_phase',
  'environment',
  'ref',
  'greenlight_id',
  'service',
  'rollback_version',
];

describe('which inputs greenlight sends to which workflow', () => {
  it('lists each phase, /rollback and the automatic rollback of an analysed rollout, with what each sends', () => {
    expect(
      dispatches.map(({ workflow, sender, always, sometimes }) => ({ workflow, sender, always, sometimes })),
    ).toEqual([
      {
        workflow: 'deploy.yml',
        sender: 'phase `validation`',
        always: ['deployment_phase', 'dry', 'environment', 'ref', 'greenlight_id'],
        sometimes: [],
      },
      {
        workflow: 'deploy.yml',
        sender: 'canary phase `traffic`',
        always: ['deployment_phase', 'environment', 'ref', 'greenlight_id', 'traffic_percentage'],
        sometimes: [],
      },
      {
        workflow: 'rollback.yml',
        sender: 'an automatic rollback',
        always: ['deployment_phase', 'environment', 'ref', 'greenlight_id'],
        sometimes: [
          { name: 'rollback_version', when: 'only when an earlier successful deployment is on record' },
        ],
      },
      {
        workflow: 'rollback.yml',
        sender: '/rollback',
        always: ['deployment_phase', 'service', 'rollback_version', 'environment', 'ref', 'greenlight_id'],
        sometimes: [],
      },
    ]);
  });

  it('leaves out rollbacks a config cannot make: no analysed phase, no service', () => {
    const plain = fileSchema.parse({
      slack: { statusChannel: '#deployment-status' },
      github: { owner: 'acme', repo: 'platform', workflow: 'deploy.yml' },
      environments: { production: {} },
      pipeline: [{ id: 'rollout', title: 'Rollout', inputs: { deployment_phase: 'rollout' } }],
    });
    expect(workflowDispatches(plain).map((d) => d.sender)).toEqual(['phase `rollout`']);
  });
});

describe('a workflow checked against what greenlight sends it', () => {
  it.each([
    {
      case: 'every input declared: nothing to say',
      workflow: 'deploy.yml',
      declared: declaring(...DEPLOY_INPUTS.map((name) => input(name))),
      problems: [],
    },
    {
      case: 'a rollback workflow that misses service and rollback_version (the README skeleton of old)',
      workflow: 'rollback.yml',
      declared: declaring(...ROLLBACK_INPUTS.slice(0, 4).map((name) => input(name, { required: true }))),
      problems: [
        'workflow `rollback.yml` does not declare input `rollback_version`, which an automatic rollback and /rollback send: add `rollback_version: { required: false, type: string }` under `on.workflow_dispatch.inputs`, or GitHub refuses the dispatch (422 Unexpected inputs provided)',
        'workflow `rollback.yml` does not declare input `service`, which /rollback sends: add `service: { required: false, type: string }` under `on.workflow_dispatch.inputs`, or GitHub refuses the dispatch (422 Unexpected inputs provided)',
      ],
    },
    {
      case: 'traffic_percentage missing',
      workflow: 'deploy.yml',
      declared: declaring(...DEPLOY_INPUTS.slice(0, 5).map((name) => input(name))),
      problems: [
        'workflow `deploy.yml` does not declare input `traffic_percentage`, which canary phase `traffic` sends: add `traffic_percentage: { required: false, type: string }` under `on.workflow_dispatch.inputs`, or GitHub refuses the dispatch (422 Unexpected inputs provided)',
      ],
    },
    {
      case: 'an input only canary phases send, required',
      workflow: 'deploy.yml',
      declared: declaring(
        ...DEPLOY_INPUTS.filter((name) => name !== 'traffic_percentage').map((name) => input(name)),
        input('traffic_percentage', { required: true }),
      ),
      problems: [
        'workflow `deploy.yml` requires input `traffic_percentage`, which phase `validation` does not send: make it `required: false`',
      ],
    },
    {
      case: 'an input of its own that no dispatch sends, required',
      workflow: 'deploy.yml',
      declared: declaring(...DEPLOY_INPUTS.map((name) => input(name)), input('region', { required: true })),
      problems: [
        "workflow `deploy.yml` requires input `region`, which every phase does not send: add it to every phase's `inputs` in greenlight.yml, make it `required: false`, or give it a `default`",
      ],
    },
    {
      case: 'a required input with a default is filled in by GitHub',
      workflow: 'deploy.yml',
      declared: declaring(
        ...DEPLOY_INPUTS.map((name) => input(name)),
        input('region', { required: true, hasDefault: true }),
      ),
      problems: [],
    },
    {
      case: 'rollback_version required, though automatic rollbacks may not know one',
      workflow: 'rollback.yml',
      declared: declaring(
        ...ROLLBACK_INPUTS.filter((name) => name !== 'rollback_version').map((name) => input(name)),
        input('rollback_version', { required: true }),
      ),
      problems: [
        'workflow `rollback.yml` requires input `rollback_version`, which an automatic rollback sends only when an earlier successful deployment is on record: make it `required: false`',
      ],
    },
    {
      case: 'service required, though automatic rollbacks do not send it',
      workflow: 'rollback.yml',
      declared: declaring(
        ...ROLLBACK_INPUTS.filter((name) => name !== 'service').map((name) => input(name)),
        input('service', { required: true }),
      ),
      problems: [
        'workflow `rollback.yml` requires input `service`, which an automatic rollback does not send: make it `required: false`',
      ],
    },
    {
      case: 'no workflow_dispatch trigger',
      workflow: 'rollback.yml',
      declared: { dispatchable: false } as const,
      problems: [
        'workflow `rollback.yml` has no `workflow_dispatch` trigger, so greenlight cannot start it: add `workflow_dispatch:` under `on:` with the inputs `deployment_phase`, `environment`, `ref`, `greenlight_id`, `rollback_version`, `service`',
      ],
    },
    {
      case: 'an environment the choice does not offer',
      workflow: 'deploy.yml',
      declared: declaring(
        ...DEPLOY_INPUTS.filter((name) => name !== 'environment').map((name) => input(name)),
        input('environment', { type: 'choice', options: ['production'] }),
      ),
      problems: [
        'workflow `deploy.yml` input `environment` is a choice of production, but phase `validation` sends "staging": add "staging" to its options',
        'workflow `deploy.yml` input `environment` is a choice of production, but canary phase `traffic` sends "staging": add "staging" to its options',
      ],
    },
    {
      case: 'a boolean input given something else',
      workflow: 'deploy.yml',
      declared: declaring(
        ...DEPLOY_INPUTS.filter((name) => name !== 'deployment_phase').map((name) => input(name)),
        input('deployment_phase', { type: 'boolean' }),
      ),
      problems: [
        'workflow `deploy.yml` input `deployment_phase` is a boolean, but phase `validation` sends "validation": send true or false',
        'workflow `deploy.yml` input `deployment_phase` is a boolean, but canary phase `traffic` sends "traffic": send true or false',
      ],
    },
    {
      case: 'a workflow greenlight does not dispatch',
      workflow: 'other.yml',
      declared: { dispatchable: false } as const,
      problems: [],
    },
  ])('$case', ({ workflow, declared, problems }) => {
    expect(workflowInputProblems(workflow, declared, dispatches)).toEqual(problems);
  });
});
