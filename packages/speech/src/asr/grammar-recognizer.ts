import {
  ErrorCode,
  PIPELINE_SAMPLE_RATE,
  type RecognitionOptions,
  type RecognitionStream,
  type SpeechRecognizer,
  spokenLanguage,
  type Transcript,
  VisemoError,
} from '@visemo/core';
import {
  buildGrammar,
  type DroppedPhrase,
  type GrammarInput,
  jsgfWords,
  spokenDigitWords,
} from './grammar.js';
import {
  decodingGraph,
  decoyDigitWords,
  isRejectionWord,
  phoneWords,
  withDigitDecoys,
} from './out-of-grammar.js';
import { PhraseAcceptor } from './phrase-acceptor.js';
import {
  countJoins,
  DEFAULT_RECOMBINATION,
  phraseItems,
  phrasePairs,
  type RecombinationOptions,
  recombinedGraph,
} from './recombination.js';
import {
  createDecoder,
  hasSilentPlurals,
  loadSoundSwallower,
  modelFor,
  modelPhones,
  type NativeDecoder,
  pathScore,
  rejectionDefaults,
  type SoundSwallowerRuntime,
  setCepstralMean,
  setWordGraph,
  stopUtterance,
} from './soundswallower.js';
import { SpeakerMeans } from './speaker-means.js';
import { type GrammarExpr, mapSlots, type WordGraph, wordGraph } from './word-graph.js';

export interface GrammarRecognizerOptions {
  /** The domain's phrases and slots (compiled with `buildGrammar`), or a JSGF grammar text. */
  grammar: GrammarInput | string;
  /** BCP 47 tag; the package ships en-US (default) and fr-FR models. */
  language?: string;
  /**
   * Answer `understood: false` for speech outside the grammar instead of the nearest phrase.
   * A phone loop competes with the grammar (and, for a domain grammar, follows any unfinished
   * phrase, and digit slots take decoys of the wrong length); about 1.5–2.5× the CPU. Default true
   * for en-US; false for fr-FR, whose phone loop outscored most in-grammar speech whatever its cost
   * (bench/speech/asr-french.ts), so French speech outside the grammar is caught by the score alone.
   */
  rejectOutOfGrammar?: boolean;
  /**
   * A result whose path score per 10 ms frame is below this is not understood either. The score
   * is log base 1.0001 of the acoustic likelihood relative to the best senone of each frame.
   * Measured: in-grammar Flite and real speech score −10 to −36, out-of-grammar speech that slips
   * past the phone loop −43 to −53. Default −40 for en-US, −36 for fr-FR (measured on synthetic
   * speech only: check it with recordings of real callers).
   */
  minScorePerFrame?: number;
  /**
   * Most decoders alive at once; a stream started while all are busy buffers its audio and waits
   * for one. Each takes about 25 MB and 180–500 ms of CPU to create. Default 16.
   */
  maxDecoders?: number;
  /**
   * For a domain grammar: also accept its phrases' pieces recombined where they share a word, and
   * single words after any word, at a cost, with at most `maxJoins` joins in a transcript
   * (recombination.ts, docs/decisions/0024); `false` for the phrases word for word only.
   */
  generalize?: Partial<RecombinationOptions> | false;
  /** Decoders created by `create`, so the first streams need not wait. Default 1. */
  warmDecoders?: number;
  /**
   * Decode an utterance that was not understood once more, from the cepstral mean it left, when it
   * started from another (a speaker's first utterance, or one after a change of voice or
   * microphone): so the same audio gets the same answer on the first try as on the next. Costs a
   * second decode of the rejected utterances only. Default true.
   */
  redecodeMisses?: boolean;
  /**
   * Where each utterance's cepstral mean starts: `speaker`, from what the speaker's last utterance
   * left (decision 0026); `fixed`, from the model's own every time, so the same audio always gets
   * the same answer, at some accuracy (bench/speech/asr-repeat.ts). Default `speaker`.
   */
  cepstralMean?: 'speaker' | 'fixed';
}

/** Word pairs the domain's phrases say, and how many others a transcript may have. */
interface JoinLimit {
  pairs: Set<string>;
  max: number;
}

/** Samples fed to the decoder at a time: fixed blocks make the result independent of write sizes. */
const BLOCK = 1600;
const FRAME_SAMPLES = 160;
/** Audio a stream keeps for a second decode (30 s); a longer utterance is not decoded again. */
const MAX_KEPT_SAMPLES = 30 * PIPELINE_SAMPLE_RATE;

interface Waiter {
  resolve: (decoder: NativeDecoder) => void;
  reject: (error: unknown) => void;
}

/** A decoder now (`now`, when one was idle) or later; `abandon` withdraws a pending request. */
interface DecoderRequest {
  now?: NativeDecoder;
  decoder: Promise<NativeDecoder>;
  abandon: () => void;
}

/** Decoders with the grammar loaded, lent to one stream at a time. */
class DecoderPool {
  private readonly idle: NativeDecoder[] = [];
  private readonly waiters: Waiter[] = [];
  private alive = 0;
  private closed = false;

  constructor(
    private readonly make: () => Promise<NativeDecoder>,
    private readonly max: number,
  ) {}

  get size(): number {
    return this.alive;
  }

  get idleCount(): number {
    return this.idle.length;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  async warm(count: number): Promise<void> {
    const made: NativeDecoder[] = [];
    for (let i = this.alive; i < Math.min(count, this.max); i++) {
      this.alive++;
      made.push(await this.make());
    }
    this.idle.push(...made);
  }

  /** Takes in a decoder made outside the pool. */
  adopt(decoder: NativeDecoder): void {
    this.alive++;
    this.release(decoder);
  }

  /**
   * A decoder when one is free (an idle one that `prefer` picks, if any); `abandon` withdraws the
   * request (its stream was cancelled).
   */
  acquire(prefer?: (decoder: NativeDecoder) => boolean): DecoderRequest {
    if (this.closed) {
      return {
        decoder: Promise.reject(new VisemoError(ErrorCode.SessionClosed, 'the recognizer is closed')),
        abandon: () => {},
      };
    }
    const preferred = prefer ? this.idle.findIndex(prefer) : -1;
    const idle = preferred >= 0 ? this.idle.splice(preferred, 1)[0] : this.idle.pop();
    if (idle) return { now: idle, decoder: Promise.resolve(idle), abandon: () => {} };
    let waiter: Waiter | undefined;
    const decoder = new Promise<NativeDecoder>((resolve, reject) => {
      waiter = { resolve, reject };
      this.waiters.push(waiter);
      if (this.alive < this.max) this.grow();
    });
    const abandon = () => {
      const index = this.waiters.indexOf(waiter as Waiter);
      if (index >= 0) this.waiters.splice(index, 1);
    };
    return { decoder, abandon };
  }

  release(decoder: NativeDecoder): void {
    if (this.closed) {
      decoder.delete();
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve(decoder);
    else this.idle.push(decoder);
  }

  close(): void {
    this.closed = true;
    for (const decoder of this.idle.splice(0)) decoder.delete();
    for (const waiter of this.waiters.splice(0)) {
      waiter.reject(new VisemoError(ErrorCode.SessionClosed, 'the recognizer is closed'));
    }
  }

  private grow(): void {
    this.alive++;
    this.make().then(
      (decoder) => this.release(decoder),
      (error: unknown) => {
        this.alive--;
        const waiter = this.waiters.shift();
        waiter?.reject(
          new VisemoError(ErrorCode.ProviderFailed, 'could not create a speech decoder', { cause: error }),
        );
      },
    );
  }
}

/**
 * Embedded grammar-based speech recognition with SoundSwallower: created once per agent from its
 * domain, it recognizes only the grammar's sentences and answers `understood: false` for anything
 * else. Decoders are pooled: a stream borrows one for its utterance and gives it back at `finish`
 * or `cancel`, so memory follows the number of people speaking at once, not the number of sessions.
 * Decoding runs synchronously inside `write`: about 5 ms of CPU per 100 ms of audio for a small
 * domain, 7 ms for the support agent's 1,072 phrases (docs/decisions/0023-grammar-rejection-paths.md).
 */
export class GrammarRecognizer implements SpeechRecognizer {
  readonly name = 'soundswallower-grammar';
  readonly sampleRate = PIPELINE_SAMPLE_RATE;
  /** Phrases and slot values left out because the dictionary cannot pronounce them. */
  readonly dropped: readonly DroppedPhrase[];
  /**
   * The grammar as JSGF: for a JSGF text, what the decoders use (with the out-of-grammar phone
   * loop when enabled); for a domain, its readable form (the decoders use `buildGrammar`'s
   * expression compiled to a minimal word graph, with the rejection paths of out-of-grammar.ts).
   */
  readonly jsgf: string;

  private readonly minScorePerFrame: number;
  /** Whether streams keep their audio to decode a miss again (`redecodeMisses`). */
  readonly redecodesMisses: boolean;
  private readonly speakerMeans = new SpeakerMeans();
  /** The cepstral mean each decoder will start its next utterance from, when known. */
  private readonly decoderMeans = new WeakMap<NativeDecoder, string>();

  private constructor(
    private readonly module: SoundSwallowerRuntime,
    private readonly pool: DecoderPool,
    jsgf: string,
    dropped: DroppedPhrase[],
    options: GrammarRecognizerOptions & { minScorePerFrame: number },
    private readonly joins: JoinLimit | undefined,
    private readonly phrases: PhraseAcceptor | undefined,
    /** With `cepstralMean: 'fixed'`: the mean every utterance starts from. */
    private readonly fixedMean: string | undefined,
    /** Every word said for a digit in the grammar's language. */
    private readonly digitWords: ReadonlySet<string>,
  ) {
    this.jsgf = jsgf;
    this.dropped = dropped;
    this.minScorePerFrame = options.minScorePerFrame;
    this.redecodesMisses = options.redecodeMisses ?? true;
  }

  static async create(options: GrammarRecognizerOptions): Promise<GrammarRecognizer> {
    const model = modelFor(options.language ?? 'en-US');
    const language = spokenLanguage(options.language ?? 'en-US');
    const digitWords = spokenDigitWords(language);
    const module = await loadSoundSwallower();
    const first = await createDecoder(model);
    try {
      const given = typeof options.grammar === 'string' ? {} : (options.grammar.pronunciations ?? {});
      const extraWords = Object.entries(given).map(([word, phones]): [string, string] => [
        word.toLowerCase(),
        phones.trim().toUpperCase(),
      ]);
      const garbage = options.rejectOutOfGrammar ?? rejectionDefaults(model).phoneLoop;
      const loopWords = garbage ? phoneWords(modelPhones(model)) : [];
      try {
        if (extraWords.length || loopWords.length) first.add_words(...extraWords, ...loopWords);
      } catch (error) {
        throw new VisemoError(
          ErrorCode.AgentInvalid,
          'a pronunciation uses a phone the model does not have',
          {
            cause: error,
          },
        );
      }
      const pronunciations = (word: string) => {
        const all: string[] = [];
        for (let i = 1; ; i++) {
          const phones = first.lookup_word(i === 1 ? word : `${word}(${i})`);
          if (phones === null) return all;
          all.push(phones);
        }
      };
      const isKnownWord = (word: string) => {
        if (first.lookup_word(word) !== null) return true;
        // A plural the dictionary lacks ("vingts", of "quatre vingts") is said as its singular.
        const singular =
          hasSilentPlurals(model) && word.endsWith('s') ? pronunciations(word.slice(0, -1)) : [];
        if (singular.length === 0) return false;
        first.add_words(
          ...singular.map((phones, i): [string, string] => [i ? `${word}(${i + 1})` : word, phones]),
        );
        return true;
      };

      let jsgf: string;
      let dropped: DroppedPhrase[] = [];
      let load: (decoder: NativeDecoder) => void;
      let grammarWords: Iterable<string>;
      let joins: JoinLimit | undefined;
      let phrases: PhraseAcceptor | undefined;
      if (typeof options.grammar === 'string') {
        const unknown = jsgfWords(options.grammar).filter((w) => !isKnownWord(w));
        if (unknown.length) {
          throw new VisemoError(
            ErrorCode.AgentInvalid,
            `the grammar uses words the dictionary lacks: ${unknown.join(', ')}`,
          );
        }
        jsgf = withTopRule(
          options.grammar,
          loopWords.map(([w]) => w),
        );
        try {
          first.set_grammar(jsgf);
        } catch (error) {
          throw new VisemoError(ErrorCode.AgentInvalid, 'the grammar does not parse as JSGF', {
            cause: error,
          });
        }
        const text = jsgf;
        load = (decoder) => decoder.set_grammar(text);
        grammarWords = jsgfWords(jsgf);
      } else {
        const built = buildGrammar(options.grammar, {
          language,
          isKnownWord,
          soundsLike: (w) => pronunciations(w).sort().join('|'),
        });
        jsgf = built.jsgf;
        dropped = built.dropped;
        let expr = built.expr;
        let decoyNames: string[] = [];
        if (garbage) {
          let digitSlot = false;
          mapSlots(expr, (slot) => {
            digitSlot ||= slot.digits !== undefined;
            return slot;
          });
          const decoys = digitSlot ? decoyDigitWords(digitWords, pronunciations) : [];
          if (decoys.length) first.add_words(...decoys);
          decoyNames = decoys.map(([w]) => w);
          expr = withDigitDecoys(expr, decoyNames);
        }
        const slotBody = (slot: Extract<GrammarExpr, { kind: 'slot' }>) => withDigitDecoys(slot, decoyNames);
        const generalize =
          options.generalize === false ? null : { ...DEFAULT_RECOMBINATION, ...options.generalize };
        const items = phraseItems(built.expr);
        const phrasesGraph = generalize
          ? recombinedGraph(wordGraph(expr), items, generalize, slotBody)
          : wordGraph(expr);
        if (generalize) joins = { pairs: phrasePairs(items), max: generalize.maxJoins };
        // The phrases word for word, without decoys: what makes an utterance complete.
        phrases = new PhraseAcceptor(wordGraph(built.expr));
        const graph: WordGraph = decodingGraph(
          phrasesGraph,
          loopWords.map(([w]) => w),
          digitWords,
        );
        load = (decoder) => setWordGraph(module, decoder, graph);
        load(first);
        grammarWords = graph.arcs.flatMap((arc) => (arc.word === null ? [] : [arc.word]));
      }

      // Further decoders know only the grammar's words, as the first one pronounces them.
      const lexicon = [...new Set(grammarWords)].flatMap((word) =>
        pronunciations(word).map((phones, i): [string, string] => [
          i === 0 ? word : `${word}(${i + 1})`,
          phones,
        ]),
      );
      const make = async () => {
        const decoder = await createDecoder(model, lexicon);
        load(decoder);
        return decoder;
      };
      const pool = new DecoderPool(make, Math.max(1, options.maxDecoders ?? 16));
      pool.adopt(first);
      await pool.warm(options.warmDecoders ?? 1);
      const modelMean = options.cepstralMean === 'fixed' ? String(first.get_config('cmninit')) : undefined;
      return new GrammarRecognizer(
        module,
        pool,
        jsgf,
        dropped,
        {
          ...options,
          minScorePerFrame: options.minScorePerFrame ?? rejectionDefaults(model).minScorePerFrame,
        },
        joins,
        phrases,
        modelMean,
        new Set(digitWords),
      );
    } catch (error) {
      first.delete();
      throw error;
    }
  }

  /**
   * A stream for one utterance. With `speaker`, the decoder starts from that speaker's own
   * cepstral mean, whichever pooled decoder it gets (an idle one that holds it, if any).
   */
  start(options: RecognitionOptions = {}): RecognitionStream {
    return new GrammarStream(this, options.signal, options.speaker);
  }

  /** The cepstral mean `speaker`'s last utterance left, as the decoders log it (for threads). */
  speakerMean(speaker: string): string | undefined {
    return this.speakerMeans.get(speaker);
  }

  /** Gives `speaker` a cepstral mean heard elsewhere (another recognizer thread). */
  setSpeakerMean(speaker: string, mean: string): void {
    this.speakerMeans.set(speaker, mean);
  }

  /** Decoders alive, idle, and streams waiting for one. */
  stats(): { decoders: number; idle: number; waiting: number } {
    return { decoders: this.pool.size, idle: this.pool.idleCount, waiting: this.pool.waiting };
  }

  /** Frees every idle decoder now and each busy one when its stream ends. */
  close(): void {
    this.pool.close();
  }

  /** @internal A decoder for `speaker`'s stream: one that holds their mean, if one is idle. */
  acquire(speaker?: string): DecoderRequest {
    const mean = this.fixedMean ?? (speaker === undefined ? undefined : this.speakerMeans.get(speaker));
    return this.pool.acquire(mean === undefined ? undefined : (d) => this.decoderMeans.get(d) === mean);
  }

  /**
   * @internal Sets the decoder to start from `speaker`'s cepstral mean; null when it already does
   * (or nothing is known of the speaker: their first utterance starts from the decoder's own).
   */
  adapt(decoder: NativeDecoder, speaker: string | undefined): Promise<void> | null {
    if (speaker === undefined && this.fixedMean === undefined) return null;
    const mean = this.fixedMean ?? this.speakerMeans.get(speaker as string);
    if (mean === undefined || this.decoderMeans.get(decoder) === mean) return null;
    this.decoderMeans.set(decoder, mean);
    return setCepstralMean(decoder, mean);
  }

  /** @internal Ends the decoder's utterance and keeps the cepstral mean it left, for `speaker`. */
  stop(decoder: NativeDecoder, speaker: string | undefined): void {
    const mean = stopUtterance(decoder);
    if (mean === undefined) return;
    this.decoderMeans.set(decoder, mean);
    if (speaker !== undefined && this.fixedMean === undefined) this.speakerMeans.set(speaker, mean);
  }

  /** @internal The cepstral mean the decoder starts its next utterance from, when known. */
  startingMean(decoder: NativeDecoder): string | undefined {
    return this.decoderMeans.get(decoder);
  }

  /** @internal Starts a stopped decoder's utterance again, from cepstral mean `mean`. */
  async restartFrom(decoder: NativeDecoder, mean: string): Promise<void> {
    await setCepstralMean(decoder, mean);
    this.decoderMeans.set(decoder, mean);
    decoder.start();
  }

  /** @internal */
  release(decoder: NativeDecoder): void {
    this.pool.release(decoder);
  }

  /** @internal The words of the current hypothesis, without alternate-pronunciation marks. */
  hypothesis(decoder: NativeDecoder): { words: string[]; garbage: boolean } {
    const words = decoder
      .get_text()
      .split(/\s+/)
      .filter(Boolean)
      .map((w) => w.replace(/\(\d+\)$/, ''));
    return { words, garbage: words.some(isRejectionWord) };
  }

  /**
   * @internal Whether `words` make a whole sentence: one of the domain's phrases word for word (a
   * number as long as its slot takes), or pieces of them in which every pair of adjacent words,
   * the first and the last word included, is one the phrases say (no join: "talk to a human" from
   * "talk to a person" and "speak to a human"). Always false for a JSGF grammar, whose phrases
   * the recognizer does not keep.
   */
  isComplete(words: readonly string[]): boolean {
    if (this.phrases?.accepts(words)) return true;
    if (!this.joins || words.length === 0 || this.saysNumber(words)) return false;
    return countJoins(words, this.joins.pairs) === 0;
  }

  /** @internal Whether `words` begin one of the domain's phrases that has more words to come. */
  continues(words: readonly string[]): boolean {
    return words.length > 0 && (this.phrases?.continues(words) ?? false);
  }

  /**
   * @internal Whether a hypothesis of an utterance still being said is likely enough to show:
   * words the phrases say in that order (no join, so no stitched nonsense such as "please please
   * to a can" from speech outside the domain) with an acoustic score a final result could have.
   */
  isLikelyPartial(decoder: NativeDecoder, words: readonly string[], samples: number): boolean {
    if (words.length === 0) return false;
    if (this.joins && countJoins(words, this.joins.pairs, true) > 0) return false;
    return this.scoresLikeSpeech(decoder, samples);
  }

  /** Whether a transcript has a digit in it: a number is said as the phrases say it, with no join. */
  private saysNumber(words: readonly string[]): boolean {
    return words.some((w) => this.digitWords.has(w));
  }

  /** Whether the best path's score per 10 ms frame of `samples` reaches `minScorePerFrame`. */
  private scoresLikeSpeech(decoder: NativeDecoder, samples: number): boolean {
    const frames = Math.max(1, Math.round(samples / FRAME_SAMPLES));
    return pathScore(this.module, decoder) / frames >= this.minScorePerFrame;
  }

  /** @internal Reads the final result of a stopped utterance of `samples` samples. */
  result(decoder: NativeDecoder, samples: number): Transcript {
    const { words, garbage } = this.hypothesis(decoder);
    if (words.length === 0 || garbage) return { text: '', confidence: 0, understood: false };
    // Pieces joined around a number: "one two" of an eight-digit number heard as "want to" before a
    // six-digit one. A number is said as the phrases say it, with no join.
    if (this.joins) {
      const maxJoins = this.saysNumber(words) ? 0 : this.joins.max;
      if (countJoins(words, this.joins.pairs) > maxJoins)
        return { text: '', confidence: 0, understood: false };
    }
    if (!this.scoresLikeSpeech(decoder, samples)) return { text: '', confidence: 0, understood: false };
    // Word posteriors from the decoder's lattice; fillers and silences are left out.
    const segments = (decoder.get_alignment().w ?? []).filter((s) => /^[^<[(]/.test(s.t));
    const confidence = segments.length ? segments.reduce((sum, s) => sum + s.p, 0) / segments.length : 0;
    return { text: spokenText(words), confidence: Math.min(1, Math.max(0, confidence)), understood: true };
  }
}

/** Words as text: an elided word the dictionary has on its own joins the next ("c'" "est" → "c'est"). */
export function spokenText(words: readonly string[]): string {
  return words.join(' ').replace(/' /g, "'");
}

/**
 * Rewrites a JSGF text so that one public rule, `<visemo_top>`, offers every public rule of the
 * grammar (and the phone loop when `garbage` is given): PocketSphinx takes only one public rule,
 * and which one it picks among several is not defined.
 */
function withTopRule(jsgf: string, garbage: string[]): string {
  const publicRules = [...jsgf.matchAll(/public\s+<([^>]+)>/g)].map((m) => m[1] as string);
  if (publicRules.length === 0)
    throw new VisemoError(ErrorCode.AgentInvalid, 'the JSGF grammar has no public rule');
  const alternatives = publicRules.map((r) => `<${r}>`);
  if (garbage.length) alternatives.push('<visemo_garbage>');
  const lines = [
    jsgf.replace(/public\s+</g, '<').trimEnd(),
    `public <visemo_top> = ${alternatives.join(' | ')};`,
  ];
  if (garbage.length) lines.push(`<visemo_garbage> = (${garbage.join(' | ')})+;`);
  return `${lines.join('\n')}\n`;
}

type StreamState = 'waiting' | 'decoding' | 'finished' | 'cancelled';

class GrammarStream implements RecognitionStream {
  private state: StreamState = 'waiting';
  private decoder: NativeDecoder | undefined;
  /** Audio received before a decoder was free; fed to it once it is. */
  private backlog: Int16Array[] = [];
  private readonly block = new Float32Array(BLOCK);
  private blockFill = 0;
  private samples = 0;
  private lastPartial = '';
  private lastComplete = false;
  private lastContinues = false;
  /** The audio decoded, for a second decode of a miss; null once past MAX_KEPT_SAMPLES or unwanted. */
  private kept: Int16Array[] | null;
  /** The cepstral mean the decoder started this utterance from. */
  private startMean: string | undefined;
  private partialStale = false;
  private readonly ready: Promise<NativeDecoder>;
  private abandon: (() => void) | undefined;
  private failure: unknown;
  private readonly onAbort = () => this.cancel();

  constructor(
    private readonly recognizer: GrammarRecognizer,
    private readonly signal: AbortSignal | undefined,
    private readonly speaker: string | undefined,
  ) {
    this.kept = recognizer.redecodesMisses ? [] : null;
    if (signal?.aborted) {
      this.state = 'cancelled';
      this.ready = Promise.reject(abortError());
      this.ready.catch(() => {});
      return;
    }
    signal?.addEventListener('abort', this.onAbort, { once: true });
    const request = recognizer.acquire(speaker);
    this.abandon = request.abandon;
    const adapting = request.now ? recognizer.adapt(request.now, speaker) : null;
    if (request.now && !adapting) {
      // An idle decoder: decode from the first write on, so partials come at once.
      this.attach(request.now);
      this.ready = request.decoder;
      return;
    }
    // A decoder still to come, or one to give this speaker's cepstral mean first (about 1 ms):
    // audio waits in the backlog meanwhile.
    this.ready = request.decoder.then(async (decoder) => {
      try {
        await (adapting ?? recognizer.adapt(decoder, speaker));
        if (this.state === 'cancelled') throw abortError();
        this.attach(decoder);
        return decoder;
      } catch (error) {
        recognizer.release(decoder);
        throw error instanceof VisemoError
          ? error
          : new VisemoError(ErrorCode.ProviderFailed, 'speech decoding failed', { cause: error });
      }
    });
    this.ready.catch((error: unknown) => {
      this.failure = error;
    });
  }

  write(samples: Int16Array): void {
    if (this.state === 'cancelled') return;
    if (this.state === 'finished') throw new VisemoError(ErrorCode.Internal, 'write after finish');
    if (this.failure) throw this.failure;
    if (this.state === 'waiting') {
      this.backlog.push(samples.slice());
      return;
    }
    this.feed(samples);
  }

  partial(): string {
    if (this.state !== 'decoding' || !this.decoder) return '';
    this.readHypothesis(this.decoder);
    return this.lastPartial;
  }

  complete(): boolean {
    if (this.state !== 'decoding' || !this.decoder) return false;
    this.readHypothesis(this.decoder);
    return this.lastComplete;
  }

  continues(): boolean {
    if (this.state !== 'decoding' || !this.decoder) return false;
    this.readHypothesis(this.decoder);
    return this.lastContinues;
  }

  /** Reads the decoder's hypothesis again only after it decoded a new block. */
  private readHypothesis(decoder: NativeDecoder): void {
    if (!this.partialStale) return;
    const { words, garbage } = this.recognizer.hypothesis(decoder);
    const likely = !garbage && this.recognizer.isLikelyPartial(decoder, words, this.samples);
    this.lastPartial = likely ? words.join(' ') : '';
    this.lastComplete = !garbage && this.recognizer.isComplete(words);
    this.lastContinues = !garbage && this.recognizer.continues(words);
    this.partialStale = false;
  }

  async finish(): Promise<Transcript> {
    if (this.state === 'finished' || this.state === 'cancelled') {
      throw this.state === 'cancelled'
        ? abortError()
        : new VisemoError(ErrorCode.Internal, 'finish called twice');
    }
    const decoder = await this.ready;
    if (this.state !== 'decoding') throw abortError();
    this.state = 'finished';
    this.detach();
    try {
      if (this.failure) throw this.failure;
      const transcript = this.endDecoding(decoder);
      // Started from another voice's or channel's mean: decoded again from its own, a miss is not
      // one on this try and a hit on the next.
      const ownMean = this.recognizer.startingMean(decoder);
      const kept = this.kept;
      if (transcript.understood || !kept || ownMean === undefined || ownMean === this.startMean)
        return transcript;
      await this.recognizer.restartFrom(decoder, ownMean);
      this.kept = null;
      this.samples = 0;
      this.blockFill = 0;
      for (const chunk of kept) this.feed(chunk);
      return this.endDecoding(decoder);
    } catch (error) {
      try {
        this.recognizer.stop(decoder, undefined);
      } catch {
        // Already stopped, or broken: start() of the next utterance resets it either way.
      }
      throw error instanceof VisemoError
        ? error
        : new VisemoError(ErrorCode.ProviderFailed, 'speech decoding failed', { cause: error });
    } finally {
      this.recognizer.release(decoder);
    }
  }

  cancel(): void {
    if (this.state === 'finished' || this.state === 'cancelled') return;
    const wasDecoding = this.state === 'decoding';
    this.state = 'cancelled';
    this.detach();
    this.backlog = [];
    if (wasDecoding && this.decoder) {
      try {
        this.recognizer.stop(this.decoder, this.speaker);
      } catch {
        // The utterance is thrown away; a decoder that cannot stop is still reusable after start().
      }
      this.recognizer.release(this.decoder);
    } else {
      this.abandon?.();
    }
  }

  private attach(decoder: NativeDecoder): void {
    this.decoder = decoder;
    this.state = 'decoding';
    this.startMean = this.recognizer.startingMean(decoder);
    decoder.start();
    const backlog = this.backlog;
    this.backlog = [];
    for (const chunk of backlog) this.feed(chunk);
  }

  private detach(): void {
    this.signal?.removeEventListener('abort', this.onAbort);
  }

  private feed(samples: Int16Array): void {
    const decoder = this.decoder as NativeDecoder;
    this.samples += samples.length;
    if (this.kept) {
      if (this.samples > MAX_KEPT_SAMPLES) this.kept = null;
      else this.kept.push(samples.slice());
    }
    let offset = 0;
    while (offset < samples.length) {
      const take = Math.min(BLOCK - this.blockFill, samples.length - offset);
      for (let i = 0; i < take; i++) this.block[this.blockFill + i] = (samples[offset + i] as number) / 32768;
      this.blockFill += take;
      offset += take;
      if (this.blockFill === BLOCK) {
        this.process(decoder, this.block);
        this.blockFill = 0;
      }
    }
  }

  /** Decodes what is left of the last block, stops the utterance and reads its result. */
  private endDecoding(decoder: NativeDecoder): Transcript {
    if (this.blockFill > 0) this.process(decoder, this.block.subarray(0, this.blockFill));
    this.recognizer.stop(decoder, this.speaker);
    return this.recognizer.result(decoder, this.samples);
  }

  private process(decoder: NativeDecoder, block: Float32Array): void {
    try {
      decoder.process_audio(block, false, false);
    } catch (error) {
      this.failure = new VisemoError(ErrorCode.ProviderFailed, 'speech decoding failed', { cause: error });
      throw this.failure;
    }
    this.partialStale = true;
  }
}

function abortError(): VisemoError {
  return new VisemoError(ErrorCode.Aborted, 'recognition was cancelled');
}
