import type { AgentSpec } from '@visemo/core';

export type BilledKind = 'llm' | 'tts' | 'asr';

/** The provider a hop's chain calls first: the one that bills for it while it works. */
export interface BilledProvider {
  kind: BilledKind;
  /** The hop's `type` in agent.yaml, e.g. `deepgram`. */
  type: string;
  /** A language model's `model:` (`deployment:` for azure-openai). */
  model?: string;
}

/** Run in the server's process: their cost is the compute's. */
const EMBEDDED_TYPES = new Set(['flite', 'embedded']);

/**
 * The paid providers of an agent, from its `providers:` section as written (the server checks the
 * section and its keys when it loads the agent; a forecast needs neither).
 */
export function billedProviders(spec: Pick<AgentSpec, 'providers'>): BilledProvider[] {
  const billed: BilledProvider[] = [];
  for (const kind of ['llm', 'tts', 'asr'] as const) {
    const chain = spec.providers?.[kind];
    const first = Array.isArray(chain) ? (chain[0] as Record<string, unknown> | undefined) : undefined;
    const type = typeof first?.type === 'string' ? first.type : undefined;
    if (!type || EMBEDDED_TYPES.has(type)) continue;
    const model = [first?.model, first?.deployment].find((m): m is string => typeof m === 'string');
    billed.push({ kind, type, ...(model ? { model } : {}) });
  }
  return billed;
}
