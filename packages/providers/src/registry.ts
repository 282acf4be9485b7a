import { ErrorCode, VisemoError } from '@visemo/core';
import { azure } from './azure/vendor.js';
import { deepgram } from './deepgram/vendor.js';
import { elevenlabs } from './elevenlabs/vendor.js';
import { embedded } from './embedded/vendor.js';
import { espeak } from './espeak/vendor.js';
import { flite } from './flite/vendor.js';
import { openai } from './openai/vendor.js';
import { pico } from './pico/vendor.js';
import type { ProviderKind } from './reliability/events.js';
import type { HopDefinition, Vendor } from './vendor.js';

/**
 * Every vendor agent.yaml's `providers:` section can name, one folder each (see vendor.ts). The
 * section's schema and `createProviders` both read this list: a new vendor is its folder and a
 * line here (docs/providers.md). The order is the order `type` values are listed in errors.
 */
export const VENDORS = [
  openai,
  azure,
  elevenlabs,
  deepgram,
  flite,
  pico,
  espeak,
  embedded,
] as const satisfies readonly Vendor[];

/** The hop definitions of one kind, in list order. */
export function hopDefinitions<K extends ProviderKind>(kind: K): HopDefinition<K>[] {
  return VENDORS.flatMap((vendor: Vendor) => {
    const definition = vendor[kind] as HopDefinition<K> | undefined;
    return definition ? [definition] : [];
  });
}

/** The definition of the hop of `kind` whose schema's `type` is `type`. */
export function hopDefinition<K extends ProviderKind>(kind: K, type: string): HopDefinition<K> {
  const definition = hopDefinitions(kind).find((d) => d.schema.shape.type.value === type);
  // The schema admits only the listed types, so a validated hop always has its definition.
  if (!definition) throw new VisemoError(ErrorCode.AgentInvalid, `no ${kind} provider has the type ${type}`);
  return definition;
}
