import type { Redis } from 'ioredis';
import type { IncidentLinks } from '../../services/ports.js';
import type { RedisKeys } from './keys.js';

/** Which incident was declared for a deployment, one plain key each; the first link written stays. */
export function redisIncidentLinks(redis: Redis, keys: RedisKeys): IncidentLinks {
  return {
    async link(deploymentId, incidentId) {
      await redis.set(keys.incidentOfDeployment(deploymentId), incidentId, 'NX');
    },
    async incidentOf(deploymentId) {
      return (await redis.get(keys.incidentOfDeployment(deploymentId))) ?? undefined;
    },
  };
}
