import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { validateView } from '../../playground/sim/block-kit.js';
import { payloadUser } from '../../playground/sim/slack/requests.js';
import { signedInteraction } from '../../playground/sim/slack.js';
import { HOME_FLAG, HOME_UNLOCK, homeActionId } from '../../views/ids.js';
import { TEST_SIGNING_SECRET } from '../helpers/config.js';
import { deployConfig, FAST_GITHUB, useE2E, visibleText } from '../helpers/e2e.js';
import { FAKE_APP_QUERIES, type FakeApp, startFakeApp } from '../helpers/fake-app.js';

const DEPLOYER = 'U0ALICE';
const APPROVER = 'U0CAROL';
const OUTSIDER = 'U0MALLORY';

describe('the App Home tab, end to end', () => {
  const e2e = useE2E('home');
  let app: FakeApp;
  beforeEach(async () => {
    app = await startFakeApp();
    e2e.github.setLifecycle({ mode: 'auto', runMs: 0 });
  });
  afterEach(() => app.close());

  const home = (user: string) => e2e.slack.home(user);
  const homeText = (user: string) => visibleText(home(user)?.view as { blocks?: unknown });
  const homeJson = (user: string) => JSON.stringify(home(user)?.view ?? {});

  async function start(): Promise<void> {
    await e2e.startBot(
      deployConfig(
        { approvals: 1, approvers: [APPROVER], deployers: [DEPLOYER] },
        {
          environments: {
            staging: { approvals: 0, deployers: [DEPLOYER] },
            production: { approvals: 1, approvers: [APPROVER], deployers: [DEPLOYER] },
          },
          pipeline: [
            {
              id: 'traffic_switch',
              title: 'Traffic switch',
              inputs: { deployment_phase: 'traffic_switch' },
              canary: { steps: [5, 25, 50, 100], hold: '1h' },
            },
          ],
          analysis: {
            source: 'prometheus',
            prometheusUrl: app.prometheusUrl,
            prometheus: FAKE_APP_QUERIES,
            interval: '200ms',
          },
        },
      ),
      { runtime: FAST_GITHUB },
    );
  }

  it('shows a running canary, a lock and an open incident; Unlock works for an approver and is refused to an outsider', async () => {
    await start();
    await (await e2e.slack.command('/deploy', 'staging main', { user: DEPLOYER })).reply();
    await vi.waitFor(() => expect(e2e.github.runs()).toHaveLength(1), { timeout: 10_000 });
    await (await e2e.slack.command('/deploy', 'lock production db maintenance', { user: APPROVER })).reply();
    await (
      await e2e.slack.command('/incident', 'declare sev2 Checkout p95 doubled', { user: DEPLOYER })
    ).reply();

    expect((await e2e.slack.openHome(APPROVER)).status).toBe(200);
    await vi.waitFor(() => expect(homeText(APPROVER)).toContain('canary 5 % (step 1/4)'), {
      timeout: 10_000,
    });
    const view = home(APPROVER)?.view;
    expect(validateView(view, 'home')).toEqual([]);
    const text = homeText(APPROVER);
    expect(text).toMatch(
      /\*staging\* · open\n🚀 `staging-1` `main` by <@U0ALICE> · running: Traffic switch · canary 5 % \(step 1\/4\) · for \d+s/,
    );
    expect(text).toMatch(/\*production\* · 🔒 locked by <@U0CAROL> <!date\^\d+\^[^>]+>: db maintenance/);
    expect(text).toContain('*1 open incident*');
    expect(text).toMatch(/🔴 `inc-1` \*SEV2\* Checkout p95 doubled · production · open \d+s/);
    expect(text).toContain('🔴 *off*  `email_automation`');
    expect(text).toContain('`scan_creation` 🔒');
    expect(text).toContain('*Last 30 days*');
    // The approver may unlock production: the button is theirs.
    expect(homeJson(APPROVER)).toContain(homeActionId(HOME_UNLOCK, 'production'));

    // An outsider sees the same dashboard without the Unlock button…
    await e2e.slack.openHome(OUTSIDER);
    await vi.waitFor(() => expect(homeText(OUTSIDER)).toContain('db maintenance'));
    expect(homeJson(OUTSIDER)).not.toContain(HOME_UNLOCK);
    // …and a press they send anyway (the approver's button, signed as theirs) is refused: the lock stays.
    const built = e2e.slack.clickRequest({
      actionId: homeActionId(HOME_UNLOCK, 'production'),
      user: APPROVER,
      in: { viewId: home(APPROVER)?.id ?? '' },
    });
    const payload = JSON.parse(new URLSearchParams(built.request.body).get('payload') ?? '{}');
    const forged = signedInteraction({ ...payload, user: payloadUser(OUTSIDER) }, TEST_SIGNING_SECRET);
    expect((await e2e.slack.send(forged)).status).toBe(200);
    await vi.waitFor(() =>
      expect(homeText(OUTSIDER)).toContain(
        ':no_entry_sign: Only deployers and approvers of production may unlock it.',
      ),
    );
    expect(await e2e.redis.hget(e2e.keys.envLock('production'), 'reason')).toBe('db maintenance');

    // The approver's press unlocks, and their tab says so.
    await e2e.slack.click({ actionId: homeActionId(HOME_UNLOCK, 'production'), user: APPROVER });
    await vi.waitFor(() => expect(homeText(APPROVER)).toContain('✅ :unlock: production is unlocked.'));
    expect(await e2e.redis.exists(e2e.keys.envLock('production'))).toBe(0);
    expect(homeText(APPROVER)).toContain('*production* · open, nothing running');
  }, 30_000);

  it('re-publishes for recent viewers when something on it changes, and flips flags with /flag’s rules', async () => {
    await start();
    await e2e.slack.openHome(DEPLOYER);
    await vi.waitFor(() => expect(homeText(DEPLOYER)).toContain('*production* · open, nothing running'));
    const published = () =>
      e2e.slack.callsOf('views.publish').filter((call) => call.args.user_id === DEPLOYER).length;
    const before = published();

    // A lock taken elsewhere reaches the open tab, once for a burst of changes (debounced).
    await (await e2e.slack.command('/deploy', 'lock staging freeze', { user: DEPLOYER })).reply();
    await (await e2e.slack.command('/flag', 'enable email_automation', { user: DEPLOYER })).reply();
    await vi.waitFor(
      () => {
        expect(homeText(DEPLOYER)).toContain('freeze');
        expect(homeText(DEPLOYER)).toContain('🟢 *on*  `email_automation`');
      },
      { timeout: 10_000 },
    );
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(published() - before).toBeLessThanOrEqual(2);

    // Turn off from the tab: the same rules as /flag.
    await e2e.slack.click({ actionId: homeActionId(HOME_FLAG, 'email_automation'), user: DEPLOYER });
    await vi.waitFor(() => expect(homeText(DEPLOYER)).toContain('✅ `email_automation` is now off.'));
    expect(await e2e.redis.get(e2e.keys.flag('email_automation'))).toBe('false');
    // A protected flag is refused to a non-approver, and stays as it was.
    await e2e.slack.click({ actionId: homeActionId(HOME_FLAG, 'scan_creation'), user: DEPLOYER });
    await vi.waitFor(() => expect(homeText(DEPLOYER)).toContain('`scan_creation` is a protected flag'));
    expect(await e2e.redis.get(e2e.keys.flag('scan_creation'))).toBeNull();
  }, 30_000);
});
