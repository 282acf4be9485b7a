import type { VadEvent, VoiceActivityDetector } from '@visemo/core';
import type { EchoCanceller } from '@visemo/speech';
import type { AudioFilter } from '../runtime.js';
import type { PlaybackReference } from './playback-reference.js';

/**
 * Speech counts while the agent plays only when what is left after echo cancellation is this many
 * times the power of the echo predicted (+3 dB): the agent's own voice heard back stays 10–30 dB
 * under it once its path is found, a person talking at the mic is well above (docs/barge-in.md).
 */
export const RESIDUAL_TO_ECHO = 2;
/** The span the ratio is taken over: about the VAD's own start decision (90 ms of speech + a frame). */
const GATE_MS = 120;
/** The span that tells the person has stopped: short, so the end is not heard late. */
const END_MS = 40;
/** The hangover the gate ends echo-only speech with unless told another (the VADs' own default). */
const DEFAULT_HANGOVER_MS = 400;
/**
 * What is left must also be speech-loud (RMS 100, about −50 dBFS): the VAD, level-blind, still
 * hears the faint remains of the echo as speech, and a pause in the reply predicts no echo at all.
 */
const MIN_RESIDUAL_POWER = 100 ** 2;

/** The microphone less the agent's voice: the echo canceller fed what the agent plays. */
export function echoFilter(
  canceller: EchoCanceller,
  reference: PlaybackReference,
  next?: AudioFilter,
): AudioFilter {
  return {
    push(samples) {
      const clean = canceller.process(samples, reference.take(samples.length));
      return next ? next.push(clean) : clean;
    },
    close() {
      next?.close();
    },
  };
}

/**
 * A VAD whose start of speech holds only when it is not the agent's echo: while the agent plays,
 * the inner VAD's start counts once the residual-to-echo ratio is above RESIDUAL_TO_ECHO, at the
 * start or at any frame of the same speech after it (a person who starts talking during the
 * agent's loud syllable still gets through). Speech the gate never let through ends unheard.
 * Speech it let through ends when only echo is left, or when the inner VAD says so.
 */
export class EchoGatedVad implements VoiceActivityDetector {
  readonly name: string;
  private inSpeech = false;
  private passed = false;
  private fedMs = 0;
  /** The last time what the VAD hears was more than echo, while passed. */
  private lastVoiceMs = 0;
  private hangoverMs: number | null = null;

  constructor(
    private readonly inner: VoiceActivityDetector,
    private readonly canceller: EchoCanceller,
  ) {
    this.name = `${inner.name}+echo-gate`;
  }

  get speaking(): boolean {
    return this.passed;
  }

  push(samples: Int16Array): VadEvent[] {
    const out: VadEvent[] = [];
    this.fedMs += (samples.length / 16000) * 1000;
    for (const event of this.inner.push(samples)) {
      if (event.type === 'speech-start') {
        this.inSpeech = true;
        if (this.notEcho()) {
          this.passed = true;
          out.push(event);
        }
      } else {
        this.inSpeech = false;
        if (this.passed) out.push(event);
        this.passed = false;
      }
    }
    if (this.inSpeech && !this.passed && this.notEcho()) {
      this.passed = true;
      this.lastVoiceMs = this.fedMs;
      // The ratio rose above the gate within its last few blocks: the person started about then.
      out.push({ type: 'speech-start', atMs: Math.round(this.fedMs - END_MS) });
    } else if (this.passed) {
      // The inner VAD, level-blind, would go on hearing the echo's remains after the person stops:
      // while echo is predicted, speech ends when only echo has been left for the hangover.
      // Half the ratio that starts speech keeps it going (hysteresis): a quiet syllable is no end.
      const echoOnly =
        this.canceller.residualPower(END_MS) < MIN_RESIDUAL_POWER / 2 ||
        this.canceller.residualToEcho(END_MS) < RESIDUAL_TO_ECHO / 2;
      const echoPredicted = Number.isFinite(this.canceller.residualToEcho(END_MS));
      if (!echoOnly || !echoPredicted) this.lastVoiceMs = this.fedMs;
      else if (this.fedMs - this.lastVoiceMs >= (this.hangoverMs ?? DEFAULT_HANGOVER_MS)) {
        this.passed = false;
        out.push({ type: 'speech-end', atMs: Math.round(this.lastVoiceMs) });
      }
    }
    return out;
  }

  setHangover(ms: number | null): void {
    this.hangoverMs = ms;
    this.inner.setHangover?.(ms);
  }

  reset(): void {
    this.inner.reset();
    this.fedMs = 0;
    this.inSpeech = false;
    this.passed = false;
  }

  private notEcho(ms = GATE_MS): boolean {
    return (
      this.canceller.residualPower(ms) > MIN_RESIDUAL_POWER &&
      this.canceller.residualToEcho(ms) > RESIDUAL_TO_ECHO
    );
  }
}
