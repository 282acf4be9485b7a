import { Downsampler } from './downsampler.js';

/** Name under which the capture processor registers in the AudioWorklet scope. */
export const CAPTURE_PROCESSOR_NAME = 'visemo-capture';

export interface CaptureProcessorOptions {
  /** Rate of the frames posted to the main thread, in Hz. */
  targetRate: number;
  /** Samples per posted frame: 320 at 16 kHz is 20 ms. */
  frameSamples: number;
}

/** What the processor posts to the main thread every frame. */
export interface CaptureFrameMessage {
  /** PCM16 samples at `targetRate`; the buffer is transferred, not copied. */
  pcm: Int16Array;
  /** Root mean square of the frame, 0..1 of full scale. */
  rms: number;
}

// The AudioWorkletGlobalScope as far as this processor uses it (TypeScript's DOM lib lacks it).
interface WorkletPort {
  postMessage(message: unknown, transfer: Transferable[]): void;
  onmessage: ((event: { data: unknown }) => void) | null;
}
interface WorkletScope {
  AudioWorkletProcessor: new () => { readonly port: WorkletPort };
  registerProcessor(name: string, processor: unknown): void;
  sampleRate: number;
}

/**
 * Runs inside the AudioWorklet: downsamples the microphone to `targetRate`, cuts it into fixed
 * frames and posts each as PCM16 with its level. Self-contained for the same reason as Downsampler:
 * its source text is what the worklet loads.
 */
function defineCaptureProcessor(
  scope: WorkletScope,
  DownsamplerClass: typeof Downsampler,
  name: string,
): void {
  class CaptureProcessor extends scope.AudioWorkletProcessor {
    private readonly downsampler: Downsampler;
    private readonly frameSamples: number;
    private frame: Int16Array;
    private filled = 0;
    private sumSquares = 0;
    private stopped = false;

    constructor(options: { processorOptions: CaptureProcessorOptions }) {
      super();
      const { targetRate, frameSamples } = options.processorOptions;
      this.downsampler = new DownsamplerClass(scope.sampleRate, targetRate);
      this.frameSamples = frameSamples;
      this.frame = new Int16Array(frameSamples);
      this.port.onmessage = (event) => {
        if ((event.data as { type?: string }).type === 'stop') this.stopped = true;
      };
    }

    process(inputs: Float32Array[][]): boolean {
      if (this.stopped) return false;
      const channels = inputs[0];
      const first = channels?.[0];
      // No input yet (the track is starting or muted): keep the processor alive.
      if (!channels || !first) return true;
      let mono = first;
      if (channels.length > 1) {
        mono = new Float32Array(first.length);
        for (const channel of channels) {
          for (let i = 0; i < mono.length; i++) mono[i] = (mono[i] as number) + (channel[i] as number);
        }
        for (let i = 0; i < mono.length; i++) mono[i] = (mono[i] as number) / channels.length;
      }
      const out = this.downsampler.process(mono);
      for (let i = 0; i < out.length; i++) {
        const s = Math.max(-1, Math.min(1, out[i] as number));
        this.sumSquares += s * s;
        this.frame[this.filled++] = s < 0 ? Math.round(s * 32768) : Math.round(s * 32767);
        if (this.filled === this.frameSamples) {
          const message: CaptureFrameMessage = {
            pcm: this.frame,
            rms: Math.sqrt(this.sumSquares / this.frameSamples),
          };
          this.port.postMessage(message, [this.frame.buffer]);
          this.frame = new Int16Array(this.frameSamples);
          this.filled = 0;
          this.sumSquares = 0;
        }
      }
      return true;
    }
  }
  scope.registerProcessor(name, CaptureProcessor);
}

/**
 * The worklet module's source text: the Downsampler class and the processor, bound to the worklet's
 * global scope. Loaded from a Blob URL, so the SDK needs no separately served file (a page with a
 * Content-Security-Policy must allow `blob:` in `script-src` or `worker-src`).
 */
export function captureWorkletSource(): string {
  return [
    `const Downsampler = ${Downsampler.toString()};`,
    `(${defineCaptureProcessor.toString()})(globalThis, Downsampler, ${JSON.stringify(CAPTURE_PROCESSOR_NAME)});`,
  ].join('\n');
}
