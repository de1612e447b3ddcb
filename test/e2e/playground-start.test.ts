import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NO_REDIS } from '../../playground/launcher/redis.js';

const root = resolve(import.meta.dirname, '../..');

describe('npm run playground without a Redis', () => {
  it('says in one sentence how to get one and exits 1', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'playground/main.ts'], {
      cwd: root,
      // A PATH with no redis-server on it, and no REDIS_URL.
      env: { PATH: mkdtempSync(join(tmpdir(), 'no-redis-')), HOME: process.env.HOME ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((done) => child.once('exit', done));
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(NO_REDIS);
    expect(stdout).toBe('');
  });
});
