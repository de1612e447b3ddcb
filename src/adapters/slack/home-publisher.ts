import type { WebClient } from '@slack/web-api';
import { homeView } from '../../../views/home-view.js';
import type { HomePublisher } from '../../services/ports.js';

/** Publishes a viewer's Home tab (views.publish replaces it whole). */
export function slackHomePublisher(client: Pick<WebClient, 'views'>): HomePublisher {
  return {
    async publish(snapshot, viewer) {
      await client.views.publish({ user_id: viewer.user, view: homeView(snapshot, viewer) });
    },
  };
}
