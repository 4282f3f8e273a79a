import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { ACTIVE_ALERTS_KEY, applyAlertEvent } from '../alerts/active';
import { accessToken } from '../api/client';
import type { AlertItem, LiveEvent } from '../api/types';
import { useUi } from '../store';
import { LiveFeed, type EventSourceFactory } from './feed';
import { Invalidator, keysForEvent, LIVE_KEYS } from './invalidation';

/** Keeps the live feed connected while signed in: events go to the UI store (the event
 * list, LOT label outcomes), alert.* events into the unresolved alerts, and make the
 * matching queries refetch. */
export function useLiveFeed(enabled: boolean, factory?: EventSourceFactory): void {
  const client = useQueryClient();
  useEffect(() => {
    if (!enabled) return undefined;
    const invalidator = new Invalidator(client);
    let batch: LiveEvent[] = [];
    let scheduled = false;
    const feed = new LiveFeed({
      token: accessToken,
      factory,
      onStatus: (status) => useUi.getState().setLive(status),
      onReconnect: () => {
        for (const queryKey of LIVE_KEYS) void client.invalidateQueries({ queryKey });
      },
      onEvent: (event) => {
        if (event.type.startsWith('alert.')) {
          client.setQueryData<AlertItem[]>(ACTIVE_ALERTS_KEY, (active) => (active ? applyAlertEvent(active, event) : active));
        }
        invalidator.add(keysForEvent(event));
        batch.push(event);
        if (!scheduled) {
          scheduled = true;
          queueMicrotask(() => {
            scheduled = false;
            const events = batch;
            batch = [];
            useUi.getState().pushEvents(events);
          });
        }
      },
    });
    feed.start();
    return () => {
      feed.stop();
      invalidator.dispose();
    };
  }, [enabled, client, factory]);
}

/** Refetch interval for live-fed queries: none while the feed is open, else polling. */
export function usePollInterval(ms = 15_000): number | false {
  const live = useUi((s) => s.live);
  return live === 'open' ? false : ms;
}
