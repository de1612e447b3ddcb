import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { signedInteraction } from '../../playground/sim/slack.js';
import { UNUSABLE_REQUEST } from '../../src/adapters/slack/envelope.js';
import { createLogger } from '../../src/logger.js';
import {
  ACTION_IDS,
  DEPLOY_ABORT,
  DEPLOY_APPROVE,
  INCIDENT_UPDATE,
  VIEW_CALLBACK_IDS,
} from '../../views/ids.js';
import { deployConfig, FAST_GITHUB, useE2E } from '../helpers/e2e.js';

const ALICE = 'U0ALICE';
const CAROL = 'U0CAROL';
const CASES = 3_000;
const AT_ONCE = 24;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** mulberry32: a small seeded generator, so a failing case can be run again. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Every path into a payload (objects and arrays), the root's children first. */
function pathsOf(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [];
  const entries: [string | number, Json][] = Array.isArray(value)
    ? value.map((item, index) => [index, item])
    : Object.entries(value);
  return entries.flatMap(([key, child]) => [[...prefix, key], ...pathsOf(child, [...prefix, key])]);
}

/** A payload with one to three of its parts removed, retyped, swapped for an unknown id, or blown up. */
function mutate(base: Json, random: () => number): Json {
  const copy = structuredClone(base) as { [key: string]: Json };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const values: (() => Json)[] = [
    () => null,
    () => 42,
    () => -1.5,
    () => true,
    () => '',
    () => 'x'.repeat(Math.floor(random() * 5_000)),
    () => [],
    () => ({}),
    () => [{}],
    () => ({ id: 42 }),
    () => 'U0MALLORY',
    () => '{"service":1}',
    () => pick([...ACTION_IDS, 'home_flag:scan_creation', 'home_unlock:production', 'no_such_action']),
    () => pick([...VIEW_CALLBACK_IDS, 'no_such_view']),
    () => pick(['block_actions', 'view_submission', 'view_closed', 'shortcut', 'interactive_message']),
  ];
  const mutations = 1 + Math.floor(random() * 3);
  for (let m = 0; m < mutations; m += 1) {
    const paths = pathsOf(copy);
    const path = pick(paths);
    let parent: Json = copy;
    for (const key of path.slice(0, -1)) parent = (parent as Record<string, Json>)[key] as Json;
    const last = path.at(-1) as string | number;
    if (parent === null || typeof parent !== 'object') continue;
    const container = parent as Record<string | number, Json>;
    if (random() < 0.35) {
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else delete container[last];
    } else container[last] = pick(values)();
  }
  return copy;
}

/**
 * Slack's interactivity payloads, mutated: what a buggy client, a proxy or an attacker holding the signing secret could
 * send. Every one must be answered 200 within Slack's 3 s, none may make a listener throw.
 */
describe('3,000 mutated block_actions and view_submission payloads, signed, over HTTP', () => {
  const e2e = useE2E('fuzz');

  it('are all acked with 200 within 3 s, and no listener throws', { timeout: 90_000 }, async () => {
    const errors: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n'))
          if (line && (JSON.parse(line) as { level: number }).level >= 50) errors.push(line);
        done();
      },
    });
    await e2e.startBot(deployConfig(), {
      runtime: { ...FAST_GITHUB, logger: createLogger('warn', sink) },
    });

    // Real payloads to start from: the gate's buttons, the incident card's, and the two modals they open.
    await e2e.slack.command('/deploy', 'production main', { user: ALICE });
    await e2e.slack.command('/incident', 'declare sev3 Exports slow', { user: ALICE });
    const clicks = await vi.waitFor(
      () =>
        [DEPLOY_APPROVE, DEPLOY_ABORT, INCIDENT_UPDATE].map((actionId) =>
          e2e.slack.clickRequest({ actionId, user: CAROL }),
        ),
      { timeout: 10_000 },
    );
    await e2e.slack.click({ actionId: DEPLOY_ABORT, user: CAROL });
    await vi.waitFor(() => expect(e2e.slack.modal(CAROL)).toBeDefined());
    const abort = e2e.slack.submitRequest({ user: CAROL, clientChecks: false });
    await e2e.slack.click({ actionId: INCIDENT_UPDATE, user: ALICE });
    await vi.waitFor(() => expect(e2e.slack.modal(ALICE)).toBeDefined());
    const update = e2e.slack.submitRequest({ user: ALICE, clientChecks: false });
    const seeds = [...clicks, abort, update].map(
      ({ request }) => JSON.parse(new URLSearchParams(request.body).get('payload') ?? '') as Json,
    );

    const random = seeded(20_261_204);
    const responseUrls = e2e.slack.responseUrlBase('fuzz');
    const slow: number[] = [];
    const statuses = new Map<number, number>();
    let sent = 0;
    while (sent < CASES) {
      const batch = Array.from({ length: Math.min(AT_ONCE, CASES - sent) }, (_, index) => {
        const seed = structuredClone(seeds[(sent + index) % seeds.length]) as Record<string, Json>;
        // A fresh trigger_id and response_url, as Slack gives every interaction, so earlier cases do not make this one a replay.
        seed.trigger_id = `${sent + index}.${Math.floor(random() * 1e9)}`;
        if ('response_url' in seed) seed.response_url = `${responseUrls}/${sent + index}`;
        return mutate(seed, random) as Record<string, unknown>;
      });
      sent += batch.length;
      await Promise.all(
        batch.map(async (payload) => {
          const started = performance.now();
          const delivery = await e2e.slack.send(signedInteraction(payload, e2e.slack.signingSecret));
          const took = performance.now() - started;
          if (took >= 3_000) slow.push(took);
          statuses.set(delivery.status, (statuses.get(delivery.status) ?? 0) + 1);
        }),
      );
    }
    // Work after the acks (refusals, direct messages) finishes before the count.
    await new Promise((resolve) => setTimeout(resolve, 500));

    expect(Object.fromEntries(statuses)).toEqual({ 200: CASES });
    // Both paths were taken: requests refused as unreadable, and refusals from the listeners themselves.
    const answers = e2e.slack.responses.map((post) => JSON.stringify(post.body));
    expect(answers.filter((text) => text.includes(UNUSABLE_REQUEST)).length).toBeGreaterThan(100);
    expect(answers.filter((text) => !text.includes(UNUSABLE_REQUEST)).length).toBeGreaterThan(100);
    expect(slow).toEqual([]);
    expect(errors.slice(0, 5)).toEqual([]);
  });

  it('acks a click nobody listens to at once, and tells a clicker without a usable payload in one sentence', async () => {
    await e2e.startBot();
    await e2e.slack.command('/incident', 'declare sev3 Exports slow', { user: ALICE });
    const card = await vi.waitFor(() => e2e.slack.clickRequest({ actionId: INCIDENT_UPDATE, user: CAROL }));
    const payload = JSON.parse(new URLSearchParams(card.request.body).get('payload') ?? '') as {
      actions: { action_id: string; value?: unknown }[];
    };

    const unknown = structuredClone(payload);
    (unknown.actions[0] as { action_id: string }).action_id = 'from_an_older_version';
    let started = performance.now();
    expect((await e2e.slack.send(signedInteraction(unknown, e2e.slack.signingSecret))).status).toBe(200);
    expect(performance.now() - started).toBeLessThan(1_000);

    const broken = structuredClone(payload);
    (broken.actions[0] as { value?: unknown }).value = { id: 1 };
    started = performance.now();
    expect((await e2e.slack.send(signedInteraction(broken, e2e.slack.signingSecret))).status).toBe(200);
    expect(performance.now() - started).toBeLessThan(1_000);
    const told = await e2e.slack.waitFor(() =>
      e2e.slack.responses.find((post) => post.url === card.responseUrl),
    );
    expect(told.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(JSON.stringify(told.body)).toContain(UNUSABLE_REQUEST);
    expect(e2e.slack.callsOf('views.open')).toEqual([]);
  });
});
