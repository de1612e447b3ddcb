import type { App } from '@slack/bolt';
import { z } from 'zod';
import type { HomeService } from '../../src/services/home-service.js';
import { HOME_FLAG, HOME_UNLOCK, prefixed } from '../../views/ids.js';
import { type InteractionDeps, interactions } from '../interactions.js';
import { clickedValue } from '../payloads.js';

/** The fields of `app_home_opened` greenlight reads. */
const homeOpenedSchema = z.object({ user: z.string().min(1), tab: z.string().optional() });

/** `scan_creation:off` → the flag and the value the button sets. */
const flagTarget = z
  .string()
  .regex(/^.+:(on|off)$/)
  .transform((value) => ({ name: value.slice(0, value.lastIndexOf(':')), enabled: value.endsWith(':on') }));

/**
 * The Home tab: publish it when opened; its Unlock and Turn on/off buttons ack at once, then go through the same use
 * cases as `/deploy unlock` and `/flag`, and the tab itself answers (Home tab clicks have no response_url).
 */
export function registerHome(app: App, deps: InteractionDeps & { home: HomeService }): void {
  const { click } = interactions(app, deps);
  app.event('app_home_opened', async ({ event }) => {
    const opened = homeOpenedSchema.safeParse(event);
    if (!opened.success || (opened.data.tab !== undefined && opened.data.tab !== 'home')) return;
    await deps.home.opened(opened.data.user);
  });
  click(prefixed(HOME_UNLOCK), (parsed) => deps.home.unlock(parsed.user.id, clickedValue(parsed)));
  click(prefixed(HOME_FLAG), async (parsed) => {
    const target = flagTarget.safeParse(clickedValue(parsed));
    if (target.success) await deps.home.setFlag(parsed.user.id, target.data.name, target.data.enabled);
  });
}
