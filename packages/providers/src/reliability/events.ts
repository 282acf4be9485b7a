import type { ChatUsage, RecognitionUsage, SynthesisUsage } from '@visemo/core';

/** The three provider kinds a fallback chain can hold. */
export type ProviderKind = 'llm' | 'tts' | 'asr';

/** What a call cost, as the provider reported it: tokens, characters or seconds of audio. */
export type ProviderUsage = ChatUsage | SynthesisUsage | RecognitionUsage;

/**
 * What the reliability layer reports. A session forwards these to metrics, logs and the studio;
 * messages are already redacted.
 */
export type ProviderEvent =
  | { type: 'provider-retry'; provider: string; attempt: number; delayMs: number; code: string }
  | {
      type: 'provider-failed';
      kind: ProviderKind;
      provider: string;
      code: string;
      message: string;
      elapsedMs: number;
    }
  | {
      /**
       * One call to one provider ended, measured where the chain made it (retries included: they
       * are what the turn waited for). `firstByteMs`: a model's first streamed part; a synthesizer's
       * audio, which comes whole; absent for recognizers and calls that failed before it.
       * `durationMs`: to the end of the stream or the result; for a recognizer from `finish()`.
       */
      type: 'provider-call';
      kind: ProviderKind;
      provider: string;
      outcome: 'ok' | 'failed' | 'aborted';
      firstByteMs?: number;
      durationMs: number;
      usage?: ProviderUsage;
    }
  | { type: 'provider-fallback'; kind: ProviderKind; from: string; to: string }
  | { type: 'provider-skipped'; kind: ProviderKind; provider: string; reason: 'circuit-open' }
  | { type: 'circuit-opened'; provider: string; failures: number; retryInMs: number }
  | { type: 'circuit-half-open'; provider: string }
  | { type: 'circuit-closed'; provider: string };

export type ProviderEventListener = (event: ProviderEvent) => void;

/** Calls a listener without letting its own failure break the call it reports on. */
export function emit(listener: ProviderEventListener | undefined, event: ProviderEvent): void {
  if (!listener) return;
  try {
    listener(event);
  } catch {
    // A broken metrics hook must not fail a user's turn.
  }
}
