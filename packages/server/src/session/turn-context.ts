import { AsyncLocalStorage } from 'node:async_hooks';
import type { ProviderNotice } from '@visemo/core';

export type { ProviderNotice };

/**
 * The turn a piece of work belongs to. Providers are shared by every session, so their reports
 * (a fallback, an open circuit) carry no session; the turn's async context routes them to the
 * session that caused them.
 */
export const turnContext = new AsyncLocalStorage<{ notify(notice: ProviderNotice): void }>();

/** Keeps the fields of a provider report that are safe and useful for a client. */
export function toNotice(event: { type: string } & Record<string, unknown>): ProviderNotice {
  const notice: ProviderNotice = { event: event.type };
  for (const key of ['kind', 'provider', 'from', 'to', 'code'] as const) {
    const value = event[key];
    if (typeof value === 'string') notice[key] = value;
  }
  if (notice.provider === undefined && typeof event.model === 'string') notice.provider = event.model;
  return notice;
}
