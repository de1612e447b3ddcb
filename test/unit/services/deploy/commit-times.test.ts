import { describe, expect, it } from 'vitest';
import { commitCacheField } from '../../../../src/services/deploy/commit-times.js';

const SHA = 'acb5820ced9479c074f688cc328bf03f341a511d';

describe('commitCacheField', () => {
  it('keys a deployment by the commit GitHub recorded for it, so a moved branch cannot change its lead time', () => {
    expect(commitCacheField({ id: 'd1', ref: 'main', sha: SHA })).toBe(SHA);
    expect(commitCacheField({ id: 'd1', ref: SHA })).toBe(SHA);
    expect(commitCacheField({ id: 'd1', ref: 'main' })).toBe('main@d1');
    expect(commitCacheField({ id: 'd1', ref: 'main', sha: 'not-a-sha' })).toBe('main@d1');
  });
});
