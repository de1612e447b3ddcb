import { Redis } from 'ioredis';
import { Client } from 'undici';
import type { GitHubSim } from '../../playground/sim/github.js';
import type { SignedRequest, SlackSim } from '../../playground/sim/slack.js';
import type { RedisKeys } from '../../src/adapters/redis/keys.js';
import { testKeys } from '../../test/helpers/config.js';
import {
  DEPLOY_APPROVE,
  ROLLBACK_CONFIRM_MODAL,
  ROLLBACK_REASON_BLOCK,
  ROLLBACK_REASON_INPUT,
} from '../../views/ids.js';
import { type AppProcess, startAppProcess } from './app-process.js';
import { sleep } from './clock.js';

export const REQUESTER = 'U0ALICE';
export const APPROVER = 'U0CAROL';

export interface DeployAppOptions {
  redisUrl: string;
  /** Prefix of every key this greenlight uses (testConfig adds `greenlight:`); one per process. */
  keyPrefix: string;
  slack: SlackSim;
  github: GitHubSim;
  /** Environment name → approvals it needs (approver: U0CAROL; anyone may deploy). */
  environments: Record<string, number>;
  /** `deploy.pollInterval`, e.g. `5s`. */
  pollInterval: string;
  spaceWrites: boolean;
  /** `GITHUB_WEBHOOK_SECRET`, to receive workflow_run webhooks at `<origin>/github/webhooks`. */
  webhookSecret?: string;
  /**
   * More greenlight.yml, merged over the defaults below (e.g. a canary `pipeline`, `services`, `analysis`,
   * `rollback`).
   */
  config?: Record<string, unknown>;
}

/** What the bench reads of a deployment's record in Redis. */
export interface StoredDeployment {
  state: {
    status: string;
    ref?: string;
    rollback?: { reason?: string };
    rollbackOf?: { service: string; from?: string; reason: string };
    analysis?: { ticks?: number };
  };
  meta: { message?: { channel: string; ts: string }; finalized?: boolean };
}

/**
 * greenlight with `/deploy` configured against the fake GitHub (one phase, `deploy`, dispatching
 * `production-deployment.yml` on `main`), in its own process, plus what the bench needs to drive it like Slack
 * does and to see its state in Redis.
 */
export class DeployDriver {
  private constructor(
    readonly app: AppProcess,
    private readonly client: Client,
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly slack: SlackSim,
    private readonly github: GitHubSim,
    private readonly tag: string,
  ) {}

  static async start(options: DeployAppOptions): Promise<DeployDriver> {
    const environments = Object.fromEntries(
      // `production` too: the test config's protected flags take their approvers from it.
      Object.entries({ production: 1, ...options.environments }).map(([name, approvals]) => [
        name,
        { approvals, approvers: [APPROVER], deployers: [] },
      ]),
    );
    const app = await startAppProcess('greenlight', {
      redisUrl: options.redisUrl,
      keyPrefix: options.keyPrefix,
      slackApiUrl: options.slack.apiUrl,
      deploy: {
        githubApiUrl: options.github.apiUrl,
        spaceWrites: options.spaceWrites,
        ...(options.webhookSecret ? { webhookSecret: options.webhookSecret } : {}),
        config: {
          github: { owner: 'acme', repo: 'platform', workflow: 'production-deployment.yml', ref: 'main' },
          environments,
          pipeline: [{ id: 'deploy', title: 'Deploy', inputs: { deployment_phase: 'deploy' } }],
          deploy: { pollInterval: options.pollInterval, gateTimeout: '1h', lockOnFailure: true },
          ...options.config,
        },
      },
    });
    const client = new Client(app.origin, { keepAliveTimeout: 30_000 });
    const redis = new Redis(options.redisUrl, { connectionName: 'greenlight-bench-deploy' });
    const driver = new DeployDriver(
      app,
      client,
      redis,
      testKeys(options.keyPrefix),
      options.slack,
      options.github,
      `deploy-${options.keyPrefix.replace(/\W/g, '')}`,
    );
    // Open the one keep-alive connection before anything is timed.
    const primed = await client.request({ path: '/bench/prime', method: 'GET' });
    await primed.body.dump();
    return driver;
  }

  /**
   * Sends `/deploy <env> [ref]` (signed, acked with 200) and resolves with the new deployment's id from Redis (the
   * newest of the environment's).
   */
  async requestDeploy(env: string, ref?: string): Promise<string> {
    // A version deployed by the bench is a tag GitHub knows.
    const repo = this.github.repo();
    if (ref !== undefined && !repo.resolveRef(ref)) repo.setTag(ref, ref);
    const index = this.keys.deploymentsOf(env);
    const before = await this.redis.zcard(index);
    await this.slashCommand('/deploy', ref === undefined ? env : `${env} ${ref}`, this.tag);
    return this.until(
      async () =>
        (await this.redis.zcard(index)) > before ? (await this.redis.zrevrange(index, 0, 0))[0] : undefined,
      10_000,
      `no deployment of ${env} in Redis`,
    );
  }

  /**
   * Sends a signed slash command as the requester (U0ALICE) and checks its HTTP 200; greenlight's replies go to a
   * `response_url` counted under `tag` by the Slack simulator.
   */
  async slashCommand(command: string, text: string, tag: string): Promise<void> {
    const { request } = this.slack.commandRequest(command, text, { user: REQUESTER, tag });
    const response = await this.client.request({
      path: '/slack/events',
      method: 'POST',
      headers: request.headers,
      body: request.body,
    });
    await response.body.dump();
    if (response.statusCode !== 200) throw new Error(`${command} ${text} got HTTP ${response.statusCode}`);
  }

  /**
   * The requester's signed submit of the `/rollback` confirmation greenlight opened for them (`view_submission`,
   * `callback_id` rollback_confirm) with `reason` typed in, built before the clock starts.
   */
  rollbackConfirmation(reason: string): { send(): Promise<{ status: number; body: string }> } {
    const { request } = this.slack.submitRequest({
      user: REQUESTER,
      callbackId: ROLLBACK_CONFIRM_MODAL,
      values: { [ROLLBACK_REASON_BLOCK]: { [ROLLBACK_REASON_INPUT]: reason } },
    });
    return {
      send: async () => {
        const response = await this.post(request);
        return { status: response.statusCode, body: await response.body.text() };
      },
    };
  }

  private post(request: SignedRequest) {
    return this.client.request({
      path: '/slack/events',
      method: 'POST',
      headers: request.headers,
      body: request.body,
    });
  }

  /** The environment's lock reason, if it is locked. */
  async lockReason(env: string): Promise<string | undefined> {
    return (await this.redis.hget(this.keys.envLock(env), 'reason')) ?? undefined;
  }

  /** Resolves with the deployment's record once `done` holds for it (polling Redis every 2 ms). */
  async deploymentWhere(
    id: string,
    done: (doc: StoredDeployment) => boolean,
    timeoutMs: number,
    failure: string,
  ): Promise<StoredDeployment> {
    return this.until(
      async () => {
        const doc = await this.deployment(id);
        return doc && done(doc) ? doc : undefined;
      },
      timeoutMs,
      failure,
    );
  }

  /** Resolves once the deployment waits on its Approve button, with the timeline message posted. */
  async awaitingApproval(id: string): Promise<void> {
    await this.until(
      async () => {
        const doc = await this.deployment(id);
        return doc?.state.status === 'awaiting_approval' && doc.meta.message ? true : undefined;
      },
      10_000,
      `deployment ${id} never awaited approval`,
    );
  }

  /** Resolves once the deployment is finished and finalized (no longer tracked by the sweeper). */
  async finalized(id: string, timeoutMs = 10_000): Promise<void> {
    await this.until(
      async () => ((await this.redis.sismember(this.keys.activeDeployments(), id)) === 0 ? true : undefined),
      timeoutMs,
      `deployment ${id} was never finalized`,
    );
  }

  /**
   * Waits until every deployment of `ids` satisfies `done`, reading them all in one pipelined round every `everyMs`:
   * with many deployments, one read each every few milliseconds would take the Redis and the CPU greenlight is being
   * measured on.
   */
  async deploymentsWhere(
    ids: readonly string[],
    done: (doc: StoredDeployment) => boolean,
    timeoutMs: number,
    everyMs = 50,
  ): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    let left = [...ids];
    while (left.length > 0) {
      const pipeline = this.redis.pipeline();
      for (const id of left) pipeline.hget(this.keys.deployment(id), 'doc');
      const replies = (await pipeline.exec()) ?? [];
      left = left.filter((_, index) => {
        const doc = replies[index]?.[1];
        return typeof doc !== 'string' || !done(JSON.parse(doc) as StoredDeployment);
      });
      if (left.length === 0) return;
      if (performance.now() > deadline)
        throw new Error(`${left.length} deployment(s) not done in time: ${left.slice(0, 5).join(', ')}`);
      await sleep(everyMs);
    }
  }

  async deployment(id: string): Promise<StoredDeployment | undefined> {
    const doc = await this.redis.hget(this.keys.deployment(id), 'doc');
    return doc ? (JSON.parse(doc) as StoredDeployment) : undefined;
  }

  /** The approver's signed click on the Approve button of deployment `id`'s timeline, built before the clock starts. */
  approveClick(id: string): { send(): Promise<number> } {
    const { request } = this.slack.clickRequest({
      actionId: DEPLOY_APPROVE,
      value: id,
      user: APPROVER,
      tag: `${this.tag}-approve`,
    });
    return {
      send: async () => {
        const response = await this.post(request);
        await response.body.dump();
        return response.statusCode;
      },
    };
  }

  /** Replies greenlight sent to `/deploy` response_urls, and to Approve clicks (those mean a refusal). */
  replies(): { deploy: number; approve: number; lastApprove: string | undefined } {
    const approve = this.slack.tagged(`${this.tag}-approve`);
    return {
      deploy: this.slack.tagged(this.tag).count,
      approve: approve.count,
      lastApprove: approve.last ? JSON.stringify(approve.last.body) : undefined,
    };
  }

  private async until<T>(
    probe: () => Promise<T | undefined>,
    timeoutMs: number,
    failure: string,
  ): Promise<T> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      const value = await probe();
      if (value !== undefined) return value;
      await sleep(2);
    }
    throw new Error(failure);
  }

  async stop(): Promise<void> {
    this.redis.disconnect();
    await this.client.close();
    await this.app.stop();
  }
}
