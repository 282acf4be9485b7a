import { ErrorCode, VisemoError } from '@visemo/core/errors';
import type { MicrophoneEvent, MicrophoneMode } from '../events.js';
import { MicrophoneCapture, type MicrophoneCaptureOptions } from './microphone.js';

/** An open microphone: `MicrophoneCapture`, or a stand-in in tests. */
export interface MicrophoneSource {
  close(): void;
}

export interface MicrophoneInputOptions {
  /** False in text-only mode: `start()` refuses. */
  audio: boolean;
  /** The context to capture on; asked for when the microphone is opened. */
  context(): AudioContext;
  /** Lets the context run (the browser's autoplay policy may hold it). */
  resumeAudio(): Promise<void>;
  /** Opens the device; `MicrophoneCapture.open` by default. */
  openCapture?: (options: MicrophoneCaptureOptions) => Promise<MicrophoneSource>;
  emit(event: MicrophoneEvent): void;
  /** A 20 ms frame for the server: every frame hands-free, push-to-talk only while talking. */
  sendFrame(pcm: Int16Array): void;
  /** Push-to-talk pressed, before any frame of it goes: the agent should stop answering. */
  talkStarted(): void;
  /** Push-to-talk released: the utterance has ended. */
  talkEnded(): void;
}

/**
 * The microphone as the conversation uses it: opened on demand, in one of two modes. Hands-free,
 * every frame goes to the server, whose VAD finds the turns; push-to-talk, frames go only between
 * `startTalking()` and `stopTalking()`.
 */
export class MicrophoneInput {
  private capture: MicrophoneSource | null = null;
  private opening: Promise<void> | null = null;
  private modeValue: MicrophoneMode = 'hands-free';
  private talking = false;

  constructor(private readonly options: MicrophoneInputOptions) {}

  get active(): boolean {
    return this.capture !== null;
  }

  get mode(): MicrophoneMode {
    return this.modeValue;
  }

  get isTalking(): boolean {
    return this.talking;
  }

  /** Opens the microphone (the browser may ask the person) unless it is open or opening. */
  async start(mode: MicrophoneMode = this.modeValue): Promise<void> {
    this.modeValue = mode;
    if (!this.options.audio) {
      throw new VisemoError(ErrorCode.BadAudio, 'the microphone is not available in text-only mode');
    }
    if (!this.opening) {
      const context = this.options.context();
      const open = this.options.openCapture ?? ((o: MicrophoneCaptureOptions) => MicrophoneCapture.open(o));
      this.opening = (async () => {
        try {
          await this.options.resumeAudio();
          this.capture = await open({ context, onFrame: (pcm, rms) => this.onFrame(pcm, rms) });
        } catch (error) {
          this.opening = null;
          const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
          this.options.emit({
            type: 'client.error',
            code: ErrorCode.BadAudio,
            message: `microphone: ${message}`,
          });
          throw new VisemoError(ErrorCode.BadAudio, `the microphone could not be opened (${message})`, {
            cause: error,
          });
        }
      })();
    }
    await this.opening;
    this.emitState();
  }

  setMode(mode: MicrophoneMode): void {
    if (this.modeValue === mode) return;
    if (this.talking) this.stopTalking();
    this.modeValue = mode;
    this.emitState();
  }

  stop(): void {
    if (this.talking) this.stopTalking();
    this.capture?.close();
    this.capture = null;
    this.opening = null;
    this.options.emit({ type: 'microphone.level', rms: 0 });
    this.emitState();
  }

  startTalking(): void {
    if (this.talking) return;
    this.options.talkStarted();
    this.talking = true;
    this.emitState();
  }

  stopTalking(): void {
    if (!this.talking) return;
    this.talking = false;
    this.emitState();
    this.options.talkEnded();
  }

  /** The connection went: the utterance being talked has nowhere to go, and no end to report. */
  cancelTalking(): void {
    this.talking = false;
  }

  private onFrame(pcm: Int16Array, rms: number): void {
    this.options.emit({ type: 'microphone.level', rms });
    if (this.modeValue === 'hands-free' || this.talking) this.options.sendFrame(pcm);
  }

  private emitState(): void {
    this.options.emit({
      type: 'microphone',
      active: this.capture !== null,
      mode: this.modeValue,
      talking: this.talking,
    });
  }
}
