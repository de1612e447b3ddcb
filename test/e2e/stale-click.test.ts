import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEPLOY_APPROVE, gateBlockId } from '../../views/ids.js';
import { deployConfig, FAST_GITHUB, useE2E, visibleText } from '../helpers/e2e.js';
import { FAKE_APP_QUERIES, type FakeApp, startFakeApp } from '../helpers/fake-app.js';

const ALICE = 'U0ALICE';
const CAROL = 'U0CAROL';
const DAVE = 'U0DAVE';

describe('a click on a button rendered for an earlier gate', () => {
  const e2e = useE2E('stale');
  let app: FakeApp;

  beforeEach(async () => {
    app = await startFakeApp();
    e2e.github.setLifecycle({ mode: 'auto', runMs: 0 });
    await e2e.startBot(
      deployConfig(
        {},
        {
          environments: {
            staging: { approvals: 0 },
            production: { approvals: 1, approvers: [CAROL, DAVE] },
          },
          services: { api: { health: [] } },
          pipeline: [
            {
              id: 'traffic_switch',
              title: 'Traffic switch',
              services: ['api'],
              inputs: { deployment_phase: 'traffic_switch' },
              // A go/no-go gate before 100 %.
              canary: { steps: [5, 100], hold: '100ms', gate: 'approval' },
            },
          ],
          analysis: {
            interval: '100ms',
            source: 'prometheus',
            prometheusUrl: app.prometheusUrl,
            prometheus: FAKE_APP_QUERIES,
          },
        },
      ),
      { runtime: FAST_GITHUB },
    );
  });
  afterEach(() => app.close());

  it('does not pass the canary’s go/no-go gate with a late Approve from the start gate’s message', async () => {
    await e2e.slack.command('/deploy', 'production main', { user: ALICE });
    const id = await e2e.records.nextDeployment('production', 0);
    await vi.waitFor(async () => expect((await e2e.records.state(id)).gate?.seq).toBe(1));
    // Dave's client shows the start gate; his click is held up until the canary's gate is open.
    const late = await vi.waitFor(() => e2e.slack.clickRequest({ actionId: DEPLOY_APPROVE, user: DAVE }));
    expect(late.request.body).toContain(encodeURIComponent(gateBlockId(1)));
    await e2e.slack.click({ actionId: DEPLOY_APPROVE, user: CAROL });

    await vi.waitFor(
      async () => expect((await e2e.records.state(id)).gate).toMatchObject({ seq: 2, beforePercentage: 100 }),
      { timeout: 10_000 },
    );
    const delivery = await e2e.slack.send(late.request);
    expect(delivery.status).toBe(200);

    const refusal = await e2e.slack.waitFor(() =>
      e2e.slack.responses.find((post) => post.url === late.responseUrl),
    );
    expect(refusal.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(visibleText(refusal.body)).toContain(
      'This approval was for an earlier gate; the timeline shows the current one.',
    );
    const state = await e2e.records.state(id);
    expect(state.status).toBe('awaiting_approval');
    expect(state.gate).toMatchObject({ seq: 2, approvals: [] });
    expect(await e2e.records.audit()).toContainEqual(
      expect.objectContaining({
        action: 'deploy.approve_refused',
        by: DAVE,
        deploymentId: id,
        refusal: 'stale',
      }),
    );

    // The gate's own button passes it.
    await e2e.slack.click({ actionId: DEPLOY_APPROVE, user: DAVE });
    await e2e.records.waitForStatus(id, 'succeeded', { timeout: 10_000 });
  });
});
