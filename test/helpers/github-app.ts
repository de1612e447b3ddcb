import { generateKeyPairSync } from 'node:crypto';
import { greenlightWorkflow, type SimApp, type SimInstallation } from '../../playground/sim/github.js';

/** A GitHub App's key pair as GitHub hands it out: the private key in PKCS#1 PEM, the public key kept by GitHub. */
export interface TestAppKeys {
  appId: string;
  privateKey: string;
  publicKey: string;
}

let keys: TestAppKeys | undefined;

/** One RSA key pair per test file (generating one takes a while), for App ID 424242. */
export function testAppKeys(): TestAppKeys {
  keys ??= (() => {
    const pair = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    return { appId: '424242', privateKey: pair.privateKey, publicKey: pair.publicKey };
  })();
  return keys;
}

/** The simulator's side of the test App: installed as `installations` say. */
export function simApp(installations: SimInstallation[], options: Partial<SimApp> = {}): SimApp {
  const { appId, publicKey } = testAppKeys();
  return { id: Number(appId), slug: 'greenlight-test', publicKey, installations, ...options };
}

/** The bot's environment for the test App (no GITHUB_TOKEN). */
export function appEnv(): { GITHUB_APP_ID: string; GITHUB_APP_PRIVATE_KEY: string } {
  const { appId, privateKey } = testAppKeys();
  return { GITHUB_APP_ID: appId, GITHUB_APP_PRIVATE_KEY: privateKey };
}

/** A clock tests move by hand, starting at the real time. */
export function movableClock(): { now: () => number; advance(ms: number): void } {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance(ms) {
      offset += ms;
    },
  };
}

/** Three repositories in two owners (two installations), each with a dispatchable workflow. */
export const APP_REPOS = [
  { fullName: 'acme/api', workflows: [greenlightWorkflow('deploy.yml')] },
  { fullName: 'acme/web', workflows: [greenlightWorkflow('deploy.yml')] },
  { fullName: 'globex/tools', workflows: [greenlightWorkflow('deploy.yml')] },
];
