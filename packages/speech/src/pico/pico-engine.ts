import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, VisemoError } from '@visemo/core';
import { concatSamples } from '../audio/concat-samples.js';

/**
 * SVOX Pico (`@echogarden/svoxpico-wasm`, Apache-2.0) driven through its C API, in this thread.
 *
 * The package is the engine only: Pico's voices ("lingware", a text-analysis and a
 * signal-generation file per language) are not in it. Debian ships them in `libttspico-data`
 * (non-free: Apache-2.0 files without their sources) at /usr/share/pico/lang; any folder with the
 * same file names will do (`VISEMO_PICO_LINGWARE`).
 */

/** Pico's six voices, named by their language; each is a female voice at 16 kHz. */
export const PICO_VOICES = ['en-US', 'en-GB', 'de-DE', 'es-ES', 'fr-FR', 'it-IT'] as const;
export type PicoVoice = (typeof PICO_VOICES)[number];

const LINGWARE_FILES: Record<PicoVoice, [textAnalysis: string, signalGeneration: string]> = {
  'en-US': ['en-US_ta.bin', 'en-US_lh0_sg.bin'],
  'en-GB': ['en-GB_ta.bin', 'en-GB_kh0_sg.bin'],
  'de-DE': ['de-DE_ta.bin', 'de-DE_gl0_sg.bin'],
  'es-ES': ['es-ES_ta.bin', 'es-ES_zl0_sg.bin'],
  'fr-FR': ['fr-FR_ta.bin', 'fr-FR_nk0_sg.bin'],
  'it-IT': ['it-IT_ta.bin', 'it-IT_cm0_sg.bin'],
};

/** Where Debian's `libttspico-data` puts the lingware. */
export const DEBIAN_PICO_LINGWARE = '/usr/share/pico/lang';

export function defaultPicoLingwareDir(): string {
  return process.env.VISEMO_PICO_LINGWARE || DEBIAN_PICO_LINGWARE;
}

/** True when `dir` holds both files of `voice`. */
export function hasPicoLingware(voice: PicoVoice = 'en-US', dir = defaultPicoLingwareDir()): boolean {
  return LINGWARE_FILES[voice].every((file) => existsSync(join(dir, file)));
}

export function isPicoVoice(voice: string): voice is PicoVoice {
  return (PICO_VOICES as readonly string[]).includes(voice);
}

/** The part of the Emscripten module this file uses. */
interface PicoModule {
  HEAPU8: Uint8Array;
  HEAP16: Int16Array;
  HEAP32: Int32Array;
  FS: { mkdir(path: string): void; writeFile(path: string, data: Uint8Array): void };
  _malloc(size: number): number;
  _free(pointer: number): void;
  _pico_initialize(memory: number, size: number, system: number): number;
  _pico_getSystemStatusMessage(system: number, code: number, message: number): number;
  _pico_loadResource(system: number, file: number, resource: number): number;
  _pico_getResourceName(system: number, resource: number, name: number): number;
  _pico_createVoiceDefinition(system: number, voice: number): number;
  _pico_addResourceToVoiceDefinition(system: number, voice: number, resource: number): number;
  _pico_newEngine(system: number, voice: number, engine: number): number;
  _pico_putTextUtf8(engine: number, text: number, size: number, put: number): number;
  _pico_getData(engine: number, buffer: number, size: number, received: number, type: number): number;
  _pico_resetEngine(engine: number, mode: number): number;
}

let loaded: Promise<PicoModule> | undefined;

function loadPicoModule(): Promise<PicoModule> {
  loaded ??= import('@echogarden/svoxpico-wasm')
    .then(async ({ default: create }) => {
      const module = (await create()) as PicoModule;
      module.FS.mkdir('/lingware');
      return module;
    })
    .catch((error: unknown) => {
      loaded = undefined;
      throw new VisemoError(ErrorCode.ProviderFailed, 'could not load the SVOX Pico WebAssembly module', {
        cause: error,
      });
    });
  return loaded;
}

/** Pico's working memory per voice; the size Android's Pico service gives one voice. */
const PICO_MEMORY_BYTES = 2_500_000;
const PICO_STEP_IDLE = 200;
const PICO_STEP_BUSY = 201;
const PICO_RESET_SOFT = 0x10;
const OUTPUT_BYTES = 16384;
/** `pico_putTextUtf8` takes an Int16 size, so longer text goes in pieces. */
const MAX_PUT_BYTES = 32766;

/**
 * One Pico voice, loaded once (its two lingware files into Pico's memory) and reused for every
 * sentence. `speak` is synchronous: about 18 ms of CPU per second of speech on one core.
 */
export class PicoEngine {
  readonly sampleRate = 16000;

  private constructor(
    private readonly module: PicoModule,
    private readonly engine: number,
    private readonly scratch: { output: number; count: number; type: number; put: number },
  ) {}

  static async create(voice: PicoVoice, lingwareDir = defaultPicoLingwareDir()): Promise<PicoEngine> {
    if (!hasPicoLingware(voice, lingwareDir)) {
      throw new VisemoError(
        ErrorCode.ProviderFailed,
        `the SVOX Pico voice ${voice} needs ${LINGWARE_FILES[voice].join(' and ')} in ${lingwareDir} ` +
          '(Debian: apt-get install libttspico-data from non-free; or set VISEMO_PICO_LINGWARE)',
      );
    }
    const m = await loadPicoModule();
    const memory = m._malloc(PICO_MEMORY_BYTES);
    const pointer = m._malloc(4);
    const check = (code: number, what: string, system = 0) => {
      if (code === 0) return;
      let detail = '';
      if (system) {
        const message = m._malloc(200);
        m._pico_getSystemStatusMessage(system, code, message);
        detail = `: ${readCString(m, message)}`;
        m._free(message);
      }
      throw new VisemoError(ErrorCode.ProviderFailed, `SVOX Pico could not ${what} (${code})${detail}`);
    };
    check(m._pico_initialize(memory, PICO_MEMORY_BYTES, pointer), 'start');
    const system = m.HEAP32[pointer >> 2] as number;
    const voiceName = allocCString(m, voice);
    check(m._pico_createVoiceDefinition(system, voiceName), `define voice ${voice}`, system);
    for (const file of LINGWARE_FILES[voice]) {
      const path = `/lingware/${file}`;
      m.FS.writeFile(path, readFileSync(join(lingwareDir, file)));
      const cPath = allocCString(m, path);
      check(m._pico_loadResource(system, cPath, pointer), `load ${file}`, system);
      const name = m._malloc(32);
      check(
        m._pico_getResourceName(system, m.HEAP32[pointer >> 2] as number, name),
        'name a resource',
        system,
      );
      check(m._pico_addResourceToVoiceDefinition(system, voiceName, name), `add ${file}`, system);
    }
    check(m._pico_newEngine(system, voiceName, pointer), `start voice ${voice}`, system);
    const engine = m.HEAP32[pointer >> 2] as number;
    const scratch = {
      output: m._malloc(OUTPUT_BYTES),
      count: m._malloc(4),
      type: m._malloc(4),
      put: m._malloc(4),
    };
    return new PicoEngine(m, engine, scratch);
  }

  /**
   * Speaks `text` and returns 16 kHz PCM. `onChunk` sees each piece as Pico makes it (it works in
   * steps of a few phrases), which is what time to first audio measures.
   */
  speak(text: string, onChunk?: (samples: Int16Array) => void): Int16Array {
    const m = this.module;
    const { output, count, type, put } = this.scratch;
    const bytes = new TextEncoder().encode(`${text}\0`);
    const input = m._malloc(bytes.length);
    m.HEAPU8.set(bytes, input);
    const chunks: Int16Array[] = [];
    try {
      for (let offset = 0; offset < bytes.length; ) {
        m.HEAP16[put >> 1] = 0;
        const size = Math.min(MAX_PUT_BYTES, bytes.length - offset);
        if (m._pico_putTextUtf8(this.engine, input + offset, size, put) !== 0) throw this.failed('take text');
        offset += m.HEAP16[put >> 1] as number;
        for (;;) {
          const code = m._pico_getData(this.engine, output, OUTPUT_BYTES, count, type);
          const received = m.HEAP16[count >> 1] as number;
          if (received > 0) {
            const chunk = new Int16Array(m.HEAPU8.slice(output, output + received).buffer);
            chunks.push(chunk);
            onChunk?.(chunk);
          }
          if (code === PICO_STEP_IDLE) break;
          if (code !== PICO_STEP_BUSY) throw this.failed('make audio');
        }
      }
    } catch (error) {
      m._pico_resetEngine(this.engine, PICO_RESET_SOFT);
      throw error;
    } finally {
      m._free(input);
    }
    return concatSamples(chunks);
  }

  private failed(what: string): VisemoError {
    return new VisemoError(ErrorCode.ProviderFailed, `SVOX Pico could not ${what}`);
  }
}

function allocCString(m: PicoModule, text: string): number {
  const bytes = new TextEncoder().encode(`${text}\0`);
  const pointer = m._malloc(bytes.length);
  m.HEAPU8.set(bytes, pointer);
  return pointer;
}

function readCString(m: PicoModule, pointer: number): string {
  let end = pointer;
  while (m.HEAPU8[end] !== 0) end++;
  return new TextDecoder().decode(m.HEAPU8.subarray(pointer, end));
}
