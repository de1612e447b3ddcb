import { z } from 'zod';

/**
 * The JSON greenlight PUBLISHes on the flags channel for every change: part of the Redis contract that apps and
 * flag clients rely on (`{"flag":name,"enabled":bool,"by":user,"reason":…,"at":iso}`).
 */
export const flagChangeEventSchema = z.object({
  flag: z.string(),
  enabled: z.boolean(),
  by: z.string(),
  reason: z.string(),
  at: z.string(),
});

export type FlagChangeEvent = z.infer<typeof flagChangeEventSchema>;

export const DEFAULT_FLAG_PREFIX = 'feature:';
export const DEFAULT_FLAG_CHANNEL = 'greenlight:flags';
