import type { VoiceActivityDetector } from '@visemo/core';
import { EchoCanceller } from '@visemo/speech';
import type { ServerEvent } from '../protocol/server-events.js';
import type { AgentRuntime } from '../runtime.js';
import { EchoGatedVad, echoFilter } from './echo-gate.js';
import { PlaybackReference } from './playback-reference.js';
import { DUCK_GAIN, SpeechOverPlayback } from './speech-over-playback.js';

/**
 * Barge-in for a person listening on loudspeakers (`speech.bargeIn: echo-aware`): the server keeps
 * what it plays, takes its echo out of the microphone and lets speech barge in only when it is not
 * that echo; speech over the agent ducks its voice at once, and stops it unless it was a
 * backchannel. One per session; the session tells it what it sends and when it stops.
 */
export class EchoAwareBargeIn {
  private readonly reference = new PlaybackReference();
  private readonly canceller = new EchoCanceller();
  readonly overlap = new SpeechOverPlayback({ playing: () => this.reference.playing });

  constructor(private readonly sendEvent: (event: ServerEvent) => void) {}

  /** The session's input filter: echo cancellation first, then the agent's own (noise suppression). */
  inputFilter(after: ReturnType<NonNullable<AgentRuntime['createNoiseSuppressor']>> | undefined) {
    return echoFilter(this.canceller, this.reference, after);
  }

  vad(inner: VoiceActivityDetector): VoiceActivityDetector {
    return new EchoGatedVad(inner, this.canceller);
  }

  /** A reply chunk went to the client now. */
  sent(turnId: number, samples: Int16Array, sampleRate: number): void {
    this.reference.played(turnId, samples, sampleRate);
  }

  /** The reply was stopped: the client flushes what it had. */
  stopped(): void {
    this.reference.stop();
  }

  /** Speech over the agent is being judged: its voice plays at DUCK_GAIN until decided. */
  duck(): void {
    this.setGain(DUCK_GAIN);
  }

  /** It was a backchannel: the voice comes back. */
  restore(): void {
    this.setGain(1);
  }

  private setGain(gain: number): void {
    const turnId = this.reference.playingTurn;
    this.reference.duck(gain);
    if (turnId !== null) this.sendEvent({ type: 'playback.duck', turnId, gain });
  }
}
