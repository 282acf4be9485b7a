import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ErrorCode, VisemoError } from '@visemo/core';
import createModule, { type Decoder, type SoundSwallowerModule } from 'soundswallower';
import type { WordGraph } from './word-graph.js';

/**
 * SoundSwallower (PocketSphinx compiled to WebAssembly) loaded once per process. One module holds
 * every decoder in one 32-bit heap of at most 2 GiB; a decoder with the en-us model takes about
 * 25 MB of it (20 decoders: 519 MB), and the heap never shrinks, only reuses freed memory.
 */

/**
 * The parts of the Emscripten module the typings leave out: the path score, and building a
 * finite-state grammar directly (the C functions behind the JSGF compiler).
 */
export interface SoundSwallowerRuntime extends SoundSwallowerModule {
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  _decoder_hyp(decoder: number, scorePointer: number): number;
  _decoder_logmath(decoder: number): number;
  _decoder_set_fsg(decoder: number, fsg: number): number;
  _logmath_log(logmath: number, p: number): number;
  _fsg_model_init(name: number, logmath: number, lw: number, states: number): number;
  _fsg_model_word_add(fsg: number, word: number): number;
  _fsg_model_trans_add(fsg: number, from: number, to: number, logp: number, wid: number): void;
  _fsg_model_null_trans_add(fsg: number, from: number, to: number, logp: number): number;
  _fsg_model_free(fsg: number): void;
  _fsg_set_states(fsg: number, start: number, final: number): void;
  HEAP32: Int32Array;
  HEAPU8: Uint8Array;
}

/** A decoder's C handle, which the typings do not declare. */
export type NativeDecoder = Decoder & { cdecoder: number };

let runtime: Promise<SoundSwallowerRuntime> | undefined;

const require = createRequire(import.meta.url);
const modelBase = `${join(dirname(require.resolve('soundswallower')), 'model')}/`;

/**
 * The decoders log at INFO because the log is the one place a decoder's cepstral mean can be read
 * (the WebAssembly build exports no getter): see `stopUtterance`. The level is global to the
 * module, so every decoder made here uses it; the lines are dropped unless captured, and only
 * fatal errors are shown, as at the FATAL level.
 */
const DECODER_LOG_LEVEL = 'INFO';
/** Lines logged while `stopUtterance` runs. */
let captured: string[] | null = null;

function onLog(line: string): void {
  if (captured) captured.push(line);
  else if (line.startsWith('FATAL')) console.error(line);
}

export function loadSoundSwallower(): Promise<SoundSwallowerRuntime> {
  runtime ??= createModule({
    modelBase,
    printErr: onLog,
  } as Partial<SoundSwallowerModule>) as Promise<SoundSwallowerRuntime>;
  return runtime;
}

/** "INFO: cmn_live.c(103): Update to   < 43.7165,4.02534,… >": the mean after an utterance. */
const MEAN_UPDATE = /Update to\s*<\s*([^>]*?)\s*>/;

/**
 * Ends the decoder's utterance. Returns its cepstral mean as updated by the utterance (13 numbers,
 * comma-separated, the form `cmninit` takes), or undefined when the utterance had no frames to
 * update it with.
 */
export function stopUtterance(decoder: NativeDecoder): string | undefined {
  const lines: string[] = [];
  captured = lines;
  try {
    decoder.stop();
  } finally {
    captured = null;
  }
  for (let i = lines.length - 1; i >= 0; i--) {
    const match = MEAN_UPDATE.exec(lines[i] as string);
    if (match) return match[1];
  }
  return undefined;
}

/**
 * Starts the decoder's next utterances from cepstral mean `mean` (as `stopUtterance` gave it):
 * the feature stream is built again with it as `cmninit` (about 1 ms; no heap growth).
 */
export async function setCepstralMean(decoder: NativeDecoder, mean: string): Promise<void> {
  decoder.set_config('cmninit', mean);
  await decoder.reinitialize_audio();
}

/** Model folders shipped in the package, by BCP 47 language tag. */
const MODELS: Record<string, string> = { en: 'en-us', 'en-us': 'en-us', fr: 'fr-fr', 'fr-fr': 'fr-fr' };

export function modelFor(language: string): string {
  const model = MODELS[language.toLowerCase()] ?? MODELS[language.toLowerCase().split('-')[0] ?? ''];
  if (!model) {
    throw new VisemoError(
      ErrorCode.AgentInvalid,
      `the embedded recognizer has no model for language "${language}" (it has en-US and fr-FR)`,
    );
  }
  return model;
}

/** How a model's recognizer turns away speech outside the grammar, unless the options say otherwise. */
export interface RejectionDefaults {
  /** Whether a domain grammar gets the phone loops (out-of-grammar.ts). */
  phoneLoop: boolean;
  /** The lowest path score per 10 ms frame a result may have (see `minScorePerFrame`). */
  minScorePerFrame: number;
}

const REJECTION_DEFAULTS: Record<string, RejectionDefaults> = {
  // Measured on the support agent's grammar with Flite and real recordings (decision 0023).
  'en-us': { phoneLoop: true, minScorePerFrame: -40 },
  // The fr-fr model's loop won over 70–90 % of in-grammar speech at every cost tried (1e-3 to 1e-8
  // per phone, the tail's entry down to 1e-30): its words score too far below its free phones. On
  // eSpeak's Klatt voices with the French agent's grammar, in-grammar results scored −9 to −39 and
  // speech outside it −32 to −47 (bench/speech/asr-french.ts): the score alone does the work.
  'fr-fr': { phoneLoop: false, minScorePerFrame: -36 },
};

export function rejectionDefaults(model: string): RejectionDefaults {
  return REJECTION_DEFAULTS[model] ?? { phoneLoop: true, minScorePerFrame: -40 };
}

/** Whether a model's language writes plurals with an s it does not say (French: "vingts" is "vingt"). */
export function hasSilentPlurals(model: string): boolean {
  return model === 'fr-fr';
}

/** The speech phones of a model (silence and noise units left out), for the garbage loop. */
export function modelPhones(model: string): string[] {
  const phones = JSON.parse(readFileSync(join(modelBase, model, 'phoneset.json'), 'utf8')) as Record<
    string,
    string
  >;
  return Object.keys(phones).filter((p) => p !== 'SIL' && !p.startsWith('+'));
}

/**
 * A decoder for `model`. With `lexicon`, its dictionary holds only those words (alternative
 * pronunciations as `word(2)`, …) instead of the model's whole one: reading the 134,000-word
 * dictionary is most of a decoder's creation time (about 300 of 420 ms) and of its memory.
 */
export async function createDecoder(model: string, lexicon?: [string, string][]): Promise<NativeDecoder> {
  const module = await loadSoundSwallower();
  const decoder = new module.Decoder({
    hmm: module.get_model_path(model),
    samprate: 16000,
    loglevel: DECODER_LOG_LEVEL,
  }) as NativeDecoder;
  if (lexicon) decoder.unset_config('dict');
  await decoder.initialize();
  // Fillers such as <sil> come with the model and cannot be added twice.
  const missing = lexicon?.filter(([word]) => decoder.lookup_word(word) === null) ?? [];
  if (missing.length) decoder.add_words(...missing);
  return decoder;
}

/** The best path's score of the current hypothesis (log base 1.0001, acoustic scores normalised per frame). */
export function pathScore(module: SoundSwallowerRuntime, decoder: NativeDecoder): number {
  const pointer = module._malloc(4);
  try {
    module._decoder_hyp(decoder.cdecoder, pointer);
    return module.HEAP32[pointer >> 2] as number;
  } finally {
    module._free(pointer);
  }
}

function cString(module: SoundSwallowerRuntime, text: string): number {
  const bytes = new TextEncoder().encode(text);
  const pointer = module._malloc(bytes.length + 1);
  module.HEAPU8.set(bytes, pointer);
  module.HEAPU8[pointer + bytes.length] = 0;
  return pointer;
}

/**
 * Loads a word graph as the decoder's grammar. Every word must be in the decoder's dictionary.
 * Word-less arcs may not chain (PocketSphinx follows one per word end): `wordGraph` makes none.
 */
export function setWordGraph(module: SoundSwallowerRuntime, decoder: NativeDecoder, graph: WordGraph): void {
  const logmath = module._decoder_logmath(decoder.cdecoder);
  const name = cString(module, 'visemo');
  const fsg = module._fsg_model_init(name, logmath, decoder.get_config('lw') as number, graph.states);
  module._free(name);
  module._fsg_set_states(fsg, graph.start, graph.final);
  const wordIds = new Map<string, number>();
  for (const arc of graph.arcs) {
    const logp = arc.prob === undefined || arc.prob === 1 ? 0 : module._logmath_log(logmath, arc.prob);
    if (arc.word === null) {
      module._fsg_model_null_trans_add(fsg, arc.from, arc.to, logp);
      continue;
    }
    let wid = wordIds.get(arc.word);
    if (wid === undefined) {
      const pointer = cString(module, arc.word);
      wid = module._fsg_model_word_add(fsg, pointer);
      module._free(pointer);
      wordIds.set(arc.word, wid);
    }
    module._fsg_model_trans_add(fsg, arc.from, arc.to, logp, wid);
  }
  // The decoder takes the model over (and frees it with its search).
  if (module._decoder_set_fsg(decoder.cdecoder, fsg) < 0) {
    module._fsg_model_free(fsg);
    throw new Error('the decoder refused the grammar (a word missing from the dictionary?)');
  }
}
