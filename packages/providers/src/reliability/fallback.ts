import type {
  ChatModel,
  ChatRequest,
  ChatStreamPart,
  RecognitionOptions,
  RecognitionStream,
  SpeechRecognizer,
  SpeechSynthesizer,
  SynthesisRequest,
  SynthesisResult,
  Transcript,
} from '@visemo/core';
import { ErrorCode, ProviderTimeoutError, VisemoError, withDeadline } from '@visemo/core';
import { ProviderError } from '../errors.js';
import { abortReason } from '../http/request.js';
import { linkedController } from '../http/signals.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { emit, type ProviderEventListener, type ProviderKind, type ProviderUsage } from './events.js';

/** One provider in a chain, with the time it gets before the chain moves on. */
export interface FallbackHop<P> {
  provider: P;
  /**
   * For a ChatModel: time to the first streamed part. For a synthesizer: the whole synthesis. For
   * a recognizer: from `finish()` to the transcript. Unlimited when unset.
   */
  timeoutMs?: number;
  /** The provider's breaker; one is made per hop when not given (share it across chains). */
  breaker?: CircuitBreaker;
}

export interface FallbackChainOptions {
  onEvent?: ProviderEventListener;
  /** Settings for the breakers made for hops that bring none. */
  breaker?: { failureThreshold?: number; resetAfterMs?: number; now?: () => number };
}

interface Hop<P extends { name: string }> {
  provider: P;
  timeoutMs: number | undefined;
  breaker: CircuitBreaker;
}

/** How one call to a hop went, for its `provider-call` event. */
interface CallReport {
  outcome: 'ok' | 'failed' | 'aborted';
  startedAt: number;
  firstByteMs?: number;
  usage?: ProviderUsage;
}

/**
 * Tries providers in order. A provider is skipped while its circuit is open; one that fails or
 * misses its hop deadline is reported (`provider-failed`) and the next one is tried
 * (`provider-fallback`). An abort of the caller's signal stops the chain at once and is passed to
 * the running provider, which closes its upstream request.
 */
export abstract class FallbackChain<P extends { name: string }> {
  readonly name: string;
  protected readonly hops: Hop<P>[];
  protected readonly onEvent: ProviderEventListener | undefined;

  constructor(
    readonly kind: ProviderKind,
    hops: readonly FallbackHop<P>[],
    options: FallbackChainOptions = {},
  ) {
    if (hops.length === 0) throw new VisemoError(ErrorCode.AgentInvalid, `an empty ${kind} fallback chain`);
    this.onEvent = options.onEvent;
    this.hops = hops.map((h) => {
      const breaker = h.breaker ?? new CircuitBreaker({ provider: h.provider.name, ...options.breaker });
      if (this.onEvent) breaker.listen(this.onEvent);
      return { provider: h.provider, timeoutMs: h.timeoutMs, breaker };
    });
    this.name = `fallback(${this.hops.map((h) => h.provider.name).join(' > ')})`;
  }

  /** The breakers, in hop order (for health endpoints). */
  get breakers(): readonly CircuitBreaker[] {
    return this.hops.map((h) => h.breaker);
  }

  /** Calls each usable hop in turn until one succeeds; throws the last failure when all fail. */
  protected async attempt<T>(
    signal: AbortSignal | undefined,
    call: (hop: Hop<P>, index: number) => Promise<T>,
  ): Promise<T> {
    const failures: unknown[] = [];
    let previous: Hop<P> | undefined;
    for (const [index, hop] of this.hops.entries()) {
      const aborted = abortReason(signal);
      if (aborted) throw aborted;
      if (!hop.breaker.tryAcquire()) {
        emit(this.onEvent, {
          type: 'provider-skipped',
          kind: this.kind,
          provider: hop.provider.name,
          reason: 'circuit-open',
        });
        failures.push(hop.breaker.openError());
        continue;
      }
      if (previous)
        emit(this.onEvent, {
          type: 'provider-fallback',
          kind: this.kind,
          from: previous.provider.name,
          to: hop.provider.name,
        });
      previous = hop;
      const started = performance.now();
      try {
        const result = await call(hop, index);
        hop.breaker.recordSuccess();
        return result;
      } catch (error) {
        const abortedNow = abortReason(signal);
        hop.breaker.recordFailure(abortedNow ?? error);
        if (abortedNow) {
          this.reportCall(hop, { outcome: 'aborted', startedAt: started });
          throw abortedNow;
        }
        failures.push(error);
        this.reportFailure(hop, error, performance.now() - started);
        this.reportCall(hop, { outcome: 'failed', startedAt: started });
      }
    }
    throw chainError(this.kind, failures);
  }

  /** Time and usage of one call: the metrics of each provider come from here. */
  protected reportCall(hop: Hop<P>, call: CallReport): void {
    if (!this.onEvent) return;
    emit(this.onEvent, {
      type: 'provider-call',
      kind: this.kind,
      provider: hop.provider.name,
      outcome: call.outcome,
      ...(call.firstByteMs === undefined ? {} : { firstByteMs: Math.round(call.firstByteMs) }),
      durationMs: Math.round(performance.now() - call.startedAt),
      ...(call.usage ? { usage: call.usage } : {}),
    });
  }

  protected reportFailure(hop: Hop<P>, error: unknown, elapsedMs: number): void {
    emit(this.onEvent, {
      type: 'provider-failed',
      kind: this.kind,
      provider: hop.provider.name,
      code: error instanceof VisemoError ? error.code : ErrorCode.Internal,
      message: error instanceof Error ? error.message : String(error),
      elapsedMs: Math.round(elapsedMs),
    });
  }
}

/** The error when every hop failed: the last hop's code, every failure as the cause. */
function chainError(kind: ProviderKind, failures: readonly unknown[]): VisemoError {
  const last = failures[failures.length - 1];
  const code = last instanceof VisemoError ? last.code : ErrorCode.ProviderFailed;
  const summary = failures.map((f) => (f instanceof Error ? f.message : String(f))).join('; ');
  const provider = last instanceof ProviderError ? last.provider : kind;
  return new ProviderError(code, `every ${kind} provider failed: ${summary}`, {
    provider,
    retryable: false,
    cause: failures,
  });
}

/**
 * ChatModels in order. The hop timeout is the time to the first streamed part; once a part has
 * been delivered the chain is committed to that provider (a switch would repeat or contradict
 * what was already said), so a later failure reaches the caller.
 */
export class ChatFallbackChain extends FallbackChain<ChatModel> implements ChatModel {
  constructor(hops: readonly FallbackHop<ChatModel>[], options?: FallbackChainOptions) {
    super('llm', hops, options);
  }

  async *stream(request: ChatRequest): AsyncGenerator<ChatStreamPart> {
    let opened:
      | {
          iterator: AsyncIterator<ChatStreamPart>;
          first: IteratorResult<ChatStreamPart>;
          hop: Hop<ChatModel>;
          dispose: () => void;
          startedAt: number;
          firstByteMs: number;
        }
      | undefined;
    await this.attempt(request.signal, async (hop) => {
      const startedAt = performance.now();
      const { controller, dispose } = linkedController(request.signal);
      const iterator = hop.provider.stream({ ...request, signal: controller.signal })[Symbol.asyncIterator]();
      try {
        const first = await firstPart(iterator, hop, controller);
        opened = { iterator, first, hop, dispose, startedAt, firstByteMs: performance.now() - startedAt };
      } catch (error) {
        controller.abort(error);
        dispose();
        void iterator.return?.().catch(() => {});
        throw error;
      }
    });
    if (!opened) return;
    const { iterator, hop, dispose, startedAt, firstByteMs } = opened;
    let finished = false;
    let failed: 'failed' | 'aborted' | undefined;
    let finish: Extract<ChatStreamPart, { type: 'finish' }> | undefined;
    try {
      let next = opened.first;
      while (!next.done) {
        if (next.value.type === 'finish') finish = next.value;
        yield next.value;
        next = await iterator.next();
      }
      finished = true;
    } catch (error) {
      const aborted = abortReason(request.signal);
      failed = aborted ? 'aborted' : 'failed';
      hop.breaker.recordFailure(aborted ?? error);
      if (!aborted) this.reportFailure(hop, error, 0);
      throw aborted ?? error;
    } finally {
      if (!finished) await iterator.return?.().catch(() => {});
      dispose();
      // A caller that stops reading before the finish part (barge-in) cut the call short.
      const outcome = failed ?? (finished || finish ? 'ok' : 'aborted');
      this.reportCall(hop, { outcome, startedAt, firstByteMs, usage: finish?.usage });
    }
  }
}

/** Waits for the first part, aborting the provider when its hop deadline passes first. */
async function firstPart(
  iterator: AsyncIterator<ChatStreamPart>,
  hop: Hop<ChatModel>,
  controller: AbortController,
): Promise<IteratorResult<ChatStreamPart>> {
  if (hop.timeoutMs === undefined) return iterator.next();
  const ms = hop.timeoutMs;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new ProviderTimeoutError(hop.provider.name, ms);
      // The abort reaches fetch, which closes the upstream request.
      controller.abort(error);
      reject(error);
    }, ms);
  });
  try {
    return await Promise.race([iterator.next(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** SpeechSynthesizers in order; the hop timeout covers the whole synthesis. */
export class SynthesisFallbackChain extends FallbackChain<SpeechSynthesizer> implements SpeechSynthesizer {
  constructor(hops: readonly FallbackHop<SpeechSynthesizer>[], options?: FallbackChainOptions) {
    super('tts', hops, options);
  }

  get voices(): readonly string[] {
    return [...new Set(this.hops.flatMap((h) => h.provider.voices))];
  }

  synthesize(request: SynthesisRequest): Promise<SynthesisResult> {
    return this.attempt(request.signal, async (hop, index) => {
      // A voice belongs to one provider; later hops use their own default.
      const voice =
        index === 0 || (request.voice && hop.provider.voices.includes(request.voice))
          ? request.voice
          : undefined;
      const call = (signal: AbortSignal) => hop.provider.synthesize({ ...request, voice, signal });
      const startedAt = performance.now();
      const result = await (hop.timeoutMs === undefined
        ? call(request.signal ?? new AbortController().signal)
        : withDeadline(hop.provider.name, hop.timeoutMs, request.signal, call));
      // The audio comes whole: its first byte is its last.
      const firstByteMs = performance.now() - startedAt;
      this.reportCall(hop, { outcome: 'ok', startedAt, firstByteMs, usage: result.usage });
      return result;
    });
  }
}

/**
 * SpeechRecognizers in order. Audio written to the stream is kept, so when the running provider
 * fails (at start or at `finish()`), the next one is given the whole utterance.
 */
export class RecognitionFallbackChain extends FallbackChain<SpeechRecognizer> implements SpeechRecognizer {
  constructor(hops: readonly FallbackHop<SpeechRecognizer>[], options?: FallbackChainOptions) {
    super('asr', hops, options);
    const rates = new Set(this.hops.map((h) => h.provider.sampleRate));
    if (rates.size > 1)
      throw new VisemoError(ErrorCode.AgentInvalid, 'recognizers in one chain must share a sample rate');
  }

  get sampleRate(): number {
    return (this.hops[0] as Hop<SpeechRecognizer>).provider.sampleRate;
  }

  start(options: RecognitionOptions = {}): RecognitionStream {
    const recorded: Int16Array[] = [];
    let current: RecognitionStream | undefined;
    let currentHop: Hop<SpeechRecognizer> | undefined;
    // The first usable hop streams live from the start, so its partials are there while speaking.
    for (const hop of this.hops) {
      if (hop.breaker.state === 'open') continue;
      try {
        current = hop.provider.start(options);
        currentHop = hop;
      } catch {
        current = undefined;
      }
      break;
    }
    let cancelled = false;
    return {
      write: (samples) => {
        if (cancelled) return;
        recorded.push(samples.slice());
        current?.write(samples);
      },
      partial: () => current?.partial() ?? '',
      complete: () => current?.complete?.() ?? false,
      cancel: () => {
        cancelled = true;
        current?.cancel();
      },
      finish: () =>
        this.attempt<Transcript>(options.signal, async (hop) => {
          let stream: RecognitionStream;
          if (current && hop === currentHop) stream = current;
          else {
            current?.cancel();
            stream = hop.provider.start(options);
            for (const chunk of recorded) stream.write(chunk);
            current = stream;
            currentHop = hop;
          }
          const startedAt = performance.now();
          const transcript = await (hop.timeoutMs === undefined
            ? stream.finish()
            : withDeadline(hop.provider.name, hop.timeoutMs, options.signal, (signal) => {
                signal.addEventListener('abort', () => stream.cancel(), { once: true });
                return stream.finish();
              }));
          this.reportCall(hop, { outcome: 'ok', startedAt, usage: transcript.usage });
          return transcript;
        }),
    };
  }
}
