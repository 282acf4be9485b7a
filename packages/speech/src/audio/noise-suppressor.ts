import { ErrorCode, VisemoError } from '@visemo/core';
import { concatSamples } from './concat-samples.js';

/** The part of RNNoise's Emscripten module this file uses. */
interface RNNoiseModule {
  HEAPF32: Float32Array;
  _malloc(size: number): number;
  _free(pointer: number): void;
  _rnnoise_create(model: number): number;
  _rnnoise_destroy(state: number): void;
  _rnnoise_process_frame(state: number, output: number, input: number): number;
}

let loaded: Promise<RNNoiseModule> | undefined;

function loadRNNoise(): Promise<RNNoiseModule> {
  loaded ??= import('@echogarden/rnnoise-wasm')
    .then(async ({ default: create }) => (await create()) as RNNoiseModule)
    .catch((error: unknown) => {
      loaded = undefined;
      throw new VisemoError(ErrorCode.ProviderFailed, 'could not load the RNNoise WebAssembly module', {
        cause: error,
      });
    });
  return loaded;
}

/** RNNoise works on 10 ms frames at 48 kHz. */
const FRAME = 480;

/**
 * Noise suppression with RNNoise (`@echogarden/rnnoise-wasm`, BSD-3-Clause, its model built in)
 * on a 16 kHz PCM16 stream: up to 48 kHz, one 10 ms frame at a time through the network, back to
 * 16 kHz. The output is the input's length, 12 ms later (RNNoise's frame and the filters' 2 ms),
 * and while streaming up to one frame more; `flush` gives the rest.
 */
export class NoiseSuppressor {
  private readonly up = new TripleRateFir('up');
  private readonly down = new TripleRateFir('down');
  private pending = new Float32Array(0);
  private closed = false;

  private constructor(
    private readonly module: RNNoiseModule,
    private readonly state: number,
    private readonly input: number,
    private readonly output: number,
  ) {}

  /** A suppressor for 16 kHz audio (RNNoise's 48 kHz is three times the pipeline's rate). */
  static async create(): Promise<NoiseSuppressor> {
    return (await loadNoiseSuppression())();
  }

  /** @internal One suppressor on a loaded module; `loadNoiseSuppression` hands this out. */
  static on(m: RNNoiseModule): NoiseSuppressor {
    return new NoiseSuppressor(m, m._rnnoise_create(0), m._malloc(FRAME * 4), m._malloc(FRAME * 4));
  }

  /** Cleans the next chunk; returns whatever cleaned audio is ready (may be empty). */
  push(chunk: Int16Array): Int16Array {
    if (this.closed) throw new VisemoError(ErrorCode.ProviderFailed, 'the noise suppressor is closed');
    return this.frames(this.up.push(chunk), false);
  }

  /** The audio still held back, as if the stream were followed by silence. */
  flush(): Int16Array {
    return this.frames(this.up.flush(), true);
  }

  private frames(upsampled: Int16Array, last: boolean): Int16Array {
    const m = this.module;
    const joined = new Float32Array(this.pending.length + upsampled.length);
    joined.set(this.pending);
    joined.set(upsampled, this.pending.length);
    let at = 0;
    const cleaned = new Int16Array(Math.ceil(joined.length / FRAME) * FRAME);
    while (at + FRAME <= joined.length || (last && at < joined.length)) {
      const frame = joined.subarray(at, at + FRAME);
      m.HEAPF32.fill(0, this.input >> 2, (this.input >> 2) + FRAME);
      // RNNoise expects PCM16 values as floats, not ±1.
      m.HEAPF32.set(frame, this.input >> 2);
      m._rnnoise_process_frame(this.state, this.output, this.input);
      const out = m.HEAPF32.subarray(this.output >> 2, (this.output >> 2) + frame.length);
      for (let i = 0; i < out.length; i++)
        cleaned[at + i] = Math.max(-32768, Math.min(32767, Math.round(out[i] as number)));
      at += FRAME;
    }
    this.pending = joined.slice(Math.min(at, joined.length));
    const down = this.down.push(cleaned.subarray(0, Math.min(at, joined.length)));
    if (!last) return down;
    return concatSamples([down, this.down.flush()]);
  }

  /** Frees RNNoise's state; calls after this fail. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.module._rnnoise_destroy(this.state);
    this.module._free(this.input);
    this.module._free(this.output);
  }
}

/**
 * Loads RNNoise once and gives a factory that makes a suppressor at once: a session's listening
 * stage is built synchronously, so the module must be there before it.
 */
export async function loadNoiseSuppression(): Promise<() => NoiseSuppressor> {
  const m = await loadRNNoise();
  return () => NoiseSuppressor.on(m);
}

/** `samples` through a fresh suppressor, whole: the same length out as in. */
export async function suppressNoise(samples: Int16Array): Promise<Int16Array> {
  const suppressor = await NoiseSuppressor.create();
  try {
    const head = suppressor.push(samples);
    const tail = suppressor.flush();
    const out = new Int16Array(samples.length);
    out.set(head.subarray(0, out.length));
    out.set(tail.subarray(0, Math.max(0, out.length - head.length)), Math.min(head.length, out.length));
    return out;
  } finally {
    suppressor.close();
  }
}

/** Taps of the 3× interpolation/decimation low-pass, at 48 kHz: 2 ms, an odd count for a whole-sample delay. */
const TAPS = 97;
let lowPass: Float64Array | undefined;

/** Windowed-sinc (Blackman) low-pass at 7.6 kHz for 48 kHz, unity gain at DC. */
function lowPassTaps(): Float64Array {
  if (lowPass) return lowPass;
  const h = new Float64Array(TAPS);
  const mid = (TAPS - 1) / 2;
  const fc = 7600 / 48000;
  for (let k = 0; k < TAPS; k++) {
    const n = k - mid;
    const sinc = n === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * n) / (Math.PI * n);
    const w =
      0.42 - 0.5 * Math.cos((2 * Math.PI * k) / (TAPS - 1)) + 0.08 * Math.cos((4 * Math.PI * k) / (TAPS - 1));
    h[k] = sinc * w;
  }
  const sum = h.reduce((a, b) => a + b, 0);
  for (let k = 0; k < TAPS; k++) (h[k] as number) /= sum;
  lowPass = h;
  return h;
}

/**
 * 16 → 48 kHz (`up`) or 48 → 16 kHz (`down`) by a polyphase FIR, chunk by chunk. The ratio is a
 * whole 3, so this is about 30 multiplies per 48 kHz sample — a tenth of what the general
 * `StreamingResampler` spends, which made RNNoise's two conversions cost more than RNNoise.
 */
class TripleRateFir {
  private readonly h = lowPassTaps();
  /** Input samples kept from earlier chunks (at the input's rate). */
  private history: Float64Array;
  private phase = 0;

  constructor(private readonly direction: 'up' | 'down') {
    this.history = new Float64Array(direction === 'up' ? Math.ceil(TAPS / 3) : TAPS - 1);
  }

  push(chunk: ArrayLike<number>): Int16Array {
    const joined = new Float64Array(this.history.length + chunk.length);
    joined.set(this.history);
    for (let i = 0; i < chunk.length; i++) joined[this.history.length + i] = chunk[i] as number;
    const h = this.h;
    const keep = this.history.length;
    let out: Int16Array;
    if (this.direction === 'up') {
      // Output j (48 kHz) at input position keep + j/3: sum over the input samples the taps reach.
      out = new Int16Array(chunk.length * 3);
      for (let j = 0; j < out.length; j++) {
        const t = keep * 3 + j; // position on the 48 kHz grid of `joined`
        let acc = 0;
        for (let k = t % 3; k < TAPS; k += 3) {
          const i = (t - k) / 3;
          if (i >= 0) acc += (joined[i] as number) * (h[k] as number);
        }
        out[j] = clamp(acc * 3);
      }
    } else {
      const first = (3 - this.phase) % 3;
      const count = Math.max(0, Math.ceil((chunk.length - first) / 3));
      out = new Int16Array(count);
      for (let m = 0; m < count; m++) {
        const t = keep + first + m * 3;
        let acc = 0;
        for (let k = 0; k < TAPS; k++) acc += (joined[t - k] as number) * (h[k] as number);
        out[m] = clamp(acc);
      }
      this.phase = (this.phase + chunk.length) % 3;
    }
    this.history = joined.slice(joined.length - keep);
    return out;
  }

  /** What is still inside the filter, pushed out with silence. */
  flush(): Int16Array {
    const delay = (TAPS - 1) / 2; // at 48 kHz
    return this.push(new Float64Array(this.direction === 'up' ? Math.ceil(delay / 3) : delay));
  }
}

function clamp(x: number): number {
  return Math.max(-32768, Math.min(32767, Math.round(x)));
}
