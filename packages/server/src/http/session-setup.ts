import { randomUUID } from 'node:crypto';
import type { DialogueContext } from '@visemo/core';
import type { SessionClaims } from '../auth/session-tokens.js';
import type { SessionFlagState, SessionFlags } from '../flags/session-flags.js';
import type { ModelSelection, SessionModels } from '../models/model-selection.js';
import type { AgentRuntime } from '../runtime.js';
import type { SessionOptions } from '../session/conversation-session.js';
import type { Tracing } from '../tracing/tracing.js';
import type { ServerMetrics } from './metrics.js';

/** Operations parts of a server that shape each new session. */
export interface SessionSetupParts {
  runtime: AgentRuntime;
  metrics: ServerMetrics;
  tracing?: Tracing;
  flags?: SessionFlags;
  models?: ModelSelection;
}

/** Who opens a session. */
export interface SessionOpener {
  claims?: SessionClaims;
  origin?: string;
}

/**
 * What a session is set up with: the runtime as this session sees it and its options; `variant`
 * is what it runs with (features, how each flag was decided, model versions), to be kept with the
 * stored session (`sessions.flags`) so signals can be compared per variant.
 */
export interface PreparedSession {
  runtime: AgentRuntime;
  options: SessionOptions;
  variant: SessionVariant;
}

export interface SessionVariant extends Record<string, unknown> {
  features?: SessionFlagState['features'];
  flags?: SessionFlagState['flags'];
  models?: SessionModels['versions'];
}

/**
 * Evaluates the session's flags (once, as it starts), picks its model versions, and joins tracing
 * and the per-hop client metrics to its hooks.
 */
export async function setUpSession(
  parts: SessionSetupParts,
  opener: SessionOpener,
): Promise<PreparedSession> {
  const { runtime, metrics, tracing, flags, models } = parts;
  const state = flags
    ? await flags.evaluate({
        // Without a token every connection is a person of its own.
        targetingKey: opener.claims?.subject ?? randomUUID(),
        agent: models?.agent ?? runtime.persona.name,
        language: runtime.persona.language,
        subject: !opener.claims ? 'none' : opener.claims.subject.startsWith('a_') ? 'anonymous' : 'known',
        ...(opener.origin ? { origin: opener.origin } : {}),
      })
    : null;
  const chosen = models?.current() ?? null;
  const tracer = tracing?.forSession(models ? { agent: models.agent } : {});
  const options: SessionOptions = {
    ...(state ? { features: state.features } : {}),
    ...(tracer ? { onTurn: (record) => tracer.turn(record) } : {}),
    onClientTiming: (timing) => {
      metrics.recordClientTiming(timing);
      tracer?.clientTiming(timing);
    },
  };
  return {
    runtime: sessionRuntime(runtime, { llm: state?.features.llmFallback ?? true, models: chosen }),
    options,
    variant: {
      ...(state ? { features: state.features, flags: state.flags } : {}),
      ...(chosen ? { models: chosen.versions } : {}),
    },
  };
}

/**
 * The runtime as one session sees it: the shared one, with the session's NLU model and voice
 * from the registry, and without the language model when its flag is off. Everything else is
 * read through to the shared runtime.
 */
export function sessionRuntime(
  runtime: AgentRuntime,
  choice: { llm: boolean; models: SessionModels | null },
): AgentRuntime {
  const { llm, models } = choice;
  if (llm && (!models || (models.nlu === runtime.nlu && models.voice === runtime.persona.voice)))
    return runtime;
  const view: Partial<Record<keyof AgentRuntime, PropertyDescriptor>> = {};
  if (models) {
    view.nlu = { value: models.nlu };
    view.persona = { value: { ...runtime.persona, voice: models.voice } };
  }
  if (!llm) {
    view.llm = { value: null };
    view.createDialogue = {
      value: (context?: DialogueContext) => runtime.createDialogue(context, { llm: false }),
    };
  }
  return Object.create(runtime, view) as AgentRuntime;
}

/**
 * One session's options from two sources (the data layer's, then these): each hook that both
 * set runs both, the data layer's first.
 */
export function joinSessionOptions(first: SessionOptions, second: SessionOptions): SessionOptions {
  const joined: SessionOptions = { ...first, ...second };
  if (first.onTurn && second.onTurn) {
    const [a, b] = [first.onTurn, second.onTurn];
    joined.onTurn = (record) => {
      a(record);
      b(record);
    };
  }
  if (first.onClientTiming && second.onClientTiming) {
    const [a, b] = [first.onClientTiming, second.onClientTiming];
    joined.onClientTiming = (timing) => {
      a(timing);
      b(timing);
    };
  }
  return joined;
}
