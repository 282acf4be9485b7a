import { randomUUID } from 'node:crypto';
import type { DialogueContext } from '@visemo/core';
import type { SessionClaims } from '../auth/session-tokens.js';
import type { SessionVariantOptions } from '../data/server-data.js';
import type { SessionFlagState, SessionFlags } from '../flags/session-flags.js';
import type { ModelSelection, SessionModels } from '../models/model-selection.js';
import type { AgentRuntime } from '../runtime.js';
import type { SessionOptions } from '../session/conversation-session.js';
import type { Tracing } from '../tracing/tracing.js';
import type { ServerMetrics } from './metrics.js';

/** Operations parts of a server that shape each new session. */
export interface SessionOperationParts {
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
 * What a session runs with: its features and how each flag was decided (once it has started), and
 * its model versions. Kept with the stored session (`sessions.flags`), so user signals can be
 * compared per variant.
 */
export interface SessionVariant extends Record<string, unknown> {
  features?: SessionFlagState['features'];
  flags?: SessionFlagState['flags'];
  models?: SessionModels['versions'];
}

export interface SessionOperations {
  /** The runtime as this session sees it (its model versions; the model only if its flag says). */
  runtime: AgentRuntime;
  /** Filled in as the session starts. */
  variant: SessionVariant;
  /** For the data layer: what to store with the session, read when it starts. */
  stored: SessionVariantOptions;
  /**
   * The session's options around `inner` (the data layer's): its flags evaluated in `prepare`
   * before `inner.prepare` runs, and told in `session.started`; its turns traced; the client's
   * timings measured.
   */
  options(inner: SessionOptions): SessionOptions;
}

/**
 * One new connection's operations: the model versions it runs (chosen now, from the registry's
 * current selection), its flags (evaluated as its `session.start` is prepared: the OpenFeature
 * call is asynchronous, and the session already holds the client's frames while it prepares),
 * and the tracer of its turns.
 */
export function sessionOperations(parts: SessionOperationParts, opener: SessionOpener): SessionOperations {
  const { runtime, metrics, tracing, flags, models } = parts;
  const chosen = models?.current() ?? null;
  const variant: SessionVariant = chosen ? { models: chosen.versions } : {};
  const choice = { llm: true };
  const tracer = tracing?.forSession(models ? { agent: models.agent } : {});
  const stored: SessionVariantOptions = {
    get flags() {
      return variant;
    },
    get memory() {
      return variant.features?.memory ?? true;
    },
  };
  const evaluate = async (): Promise<void> => {
    if (!flags) return;
    const state = await flags.evaluate({
      // Without a token every connection is a person of its own.
      targetingKey: opener.claims?.subject ?? randomUUID(),
      agent: models?.agent ?? runtime.agent?.id ?? runtime.persona.name,
      language: runtime.persona.language,
      subject: !opener.claims ? 'none' : opener.claims.subject.startsWith('a_') ? 'anonymous' : 'known',
      ...(opener.origin ? { origin: opener.origin } : {}),
    });
    variant.features = state.features;
    variant.flags = state.flags;
    choice.llm = state.features.llmFallback;
  };
  return {
    runtime: sessionRuntime(runtime, { choice, models: chosen }),
    variant,
    stored,
    options(inner) {
      const joined: SessionOptions = { ...inner };
      joined.prepare = async (message) => {
        await evaluate();
        const setup = (await inner.prepare?.(message)) ?? {};
        if (!variant.features) return setup;
        return { ...setup, started: { ...setup.started, features: { ...variant.features } } };
      };
      if (tracer) {
        joined.onTurn = (record) => {
          inner.onTurn?.(record);
          tracer.turn(record);
        };
      }
      const { onFeedback } = inner;
      if (onFeedback) {
        joined.onFeedback = async (feedback) => {
          await onFeedback(feedback);
          metrics.recordFeedback(feedback.rating);
        };
      }
      joined.onClientTiming = (timing) => {
        inner.onClientTiming?.(timing);
        metrics.recordClientTiming(timing);
        tracer?.clientTiming(timing);
      };
      return joined;
    },
  };
}

/**
 * The runtime as one session sees it: the shared one, with the session's NLU model and voice
 * from the registry, and without the language model once its flag is off (`choice.llm`, read when
 * the session makes its dialogue, after its flags are evaluated). Everything else is read through
 * to the shared runtime.
 */
export function sessionRuntime(
  runtime: AgentRuntime,
  options: { choice: { llm: boolean }; models: SessionModels | null },
): AgentRuntime {
  const { choice, models } = options;
  const view: Partial<Record<keyof AgentRuntime, PropertyDescriptor>> = {
    llm: { get: () => (choice.llm ? runtime.llm : null) },
    createDialogue: {
      value: (context?: DialogueContext) =>
        choice.llm ? runtime.createDialogue(context) : runtime.createDialogue(context, { llm: false }),
    },
  };
  if (models) {
    view.nlu = { value: models.nlu };
    view.persona = { value: { ...runtime.persona, voice: models.voice } };
  }
  return Object.create(runtime, view) as AgentRuntime;
}
