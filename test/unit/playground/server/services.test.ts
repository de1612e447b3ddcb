import { describe, expect, it } from 'vitest';
import { simulatedServices } from '../../../../playground/server/services.js';

describe('the simulated services behind the health checks', () => {
  const services = simulatedServices({
    api: {
      health: [
        { url: 'http://127.0.0.1:4400/services/api/health', expect: 200 },
        { url: 'http://127.0.0.1:4400/services/gateway/', expect: [401, 403] },
      ],
    },
    web: { health: [{ url: 'https://www.example.com/', expect: 200 }] },
  });

  it('answers what each check expects while up (401 for the gateway), 503 while down', () => {
    expect([services.answer('/services/api/health'), services.answer('/services/gateway/')]).toEqual([
      200, 401,
    ]);
    expect(services.setHealthy('api', false)).toBe(true);
    expect([services.answer('/services/api/health'), services.answer('/services/gateway/')]).toEqual([
      503, 503,
    ]);
    expect(services.list()).toEqual([
      { name: 'api', path: '/services/api/health', status: 503, healthy: false },
      { name: 'api', path: '/services/gateway/', status: 503, healthy: false },
    ]);
    services.setHealthy('api', true);
    expect(services.answer('/services/api/health')).toBe(200);
  });

  it('leaves checks that point elsewhere alone', () => {
    expect(services.answer('/')).toBeUndefined();
    expect(services.setHealthy('web', false)).toBe(false);
  });
});
