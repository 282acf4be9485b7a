import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDecoder, GrammarRecognizer, loadSoundSwallower } from '@visemo/speech';
import {
  DIGIT_STRINGS,
  IN_GRAMMAR,
  OUT_OF_GRAMMAR,
  SUPPORT_DOMAIN,
} from '../../packages/speech/test/support/customer-support-domain.js';
import {
  cardsRecordings,
  FLITE_CLI_VOICES,
  fliteSpeech,
  hasFliteCli,
  hasPocketsphinxData,
  POCKETSPHINX_DATA,
  readRaw16,
  wordErrors,
} from '../../packages/speech/test/support/speech-fixtures.js';
import type { BenchRow } from '../table.js';

/**
 * Grammar recognizer measurements: accuracy and acceptance on in-grammar Flite speech, rejection of
 * out-of-grammar speech, real recordings from pocketsphinx-testdata, real-time factor, and the
 * memory and creation time of one decoder.
 */

export interface AsrMeasurement {
  /** In-grammar Flite utterances (all voices): 1 − word error rate over accepted and rejected alike. */
  wordAccuracy: number;
  /** In-grammar utterances recognized word for word. */
  sentenceAccuracy: number;
  /** In-grammar utterances answered `understood: true`. */
  acceptance: number;
  /** Out-of-grammar utterances answered `understood: false`. */
  rejection: number;
  /** `DIGIT_STRINGS` recognized word for word (and understood). */
  digitSentenceAccuracy: number;
  perVoice: Record<
    string,
    { sentenceAccuracy: number; acceptance: number; rejection: number; digitSentenceAccuracy: number }
  >;
  /** Real recordings (cards, goforward) recognized word for word, and how many there were. */
  realExact: number;
  realCount: number;
  /** CPU time per second of audio, with and without the out-of-grammar phone loop. */
  realTimeFactor: number;
  realTimeFactorWithoutRejection: number;
  decoderMemoryMb: number;
  decoderCreateMs: number;
}

/** One utterance through `recognizer` in 20 ms chunks, as a server feeds it. */
export async function transcribe(recognizer: GrammarRecognizer, samples: Int16Array) {
  const stream = recognizer.start();
  for (let i = 0; i < samples.length; i += 320) stream.write(samples.subarray(i, i + 320));
  return stream.finish();
}

async function timeFactor(recognizer: GrammarRecognizer, clips: Int16Array[]): Promise<number> {
  let ms = 0;
  let samples = 0;
  for (const clip of clips) {
    const t0 = performance.now();
    await transcribe(recognizer, clip);
    ms += performance.now() - t0;
    samples += clip.length;
  }
  return ms / ((samples / 16000) * 1000);
}

export async function measureAsr(): Promise<AsrMeasurement> {
  const module = await loadSoundSwallower();
  // Memory and creation time of one decoder: the heap grows in steps, so take four.
  const heapBefore = module.HEAPU8.length;
  const t0 = performance.now();
  const decoders = [];
  for (let i = 0; i < 4; i++) decoders.push(await createDecoder('en-us'));
  const decoderCreateMs = (performance.now() - t0) / 4;
  const decoderMemoryMb = (module.HEAPU8.length - heapBefore) / 4 / 1e6;
  for (const d of decoders) d.delete();

  const recognizer = await GrammarRecognizer.create({ grammar: SUPPORT_DOMAIN });
  const plain = await GrammarRecognizer.create({ grammar: SUPPORT_DOMAIN, rejectOutOfGrammar: false });
  const perVoice: AsrMeasurement['perVoice'] = {};
  let words = 0;
  let errors = 0;
  let exact = 0;
  let accepted = 0;
  let rejected = 0;
  let inCount = 0;
  let outCount = 0;
  let digitExact = 0;
  let digitCount = 0;
  const timing: Int16Array[] = [];
  if (hasFliteCli()) {
    for (const voice of FLITE_CLI_VOICES) {
      let vExact = 0;
      let vAccepted = 0;
      let vRejected = 0;
      for (const text of IN_GRAMMAR) {
        const samples = fliteSpeech(text, voice);
        timing.push(samples);
        const t = await transcribe(recognizer, samples);
        words += text.split(' ').length;
        errors += wordErrors(text, t.text);
        if (t.text === text) vExact++;
        if (t.understood) vAccepted++;
      }
      for (const text of OUT_OF_GRAMMAR) {
        const t = await transcribe(recognizer, fliteSpeech(text, voice));
        if (!t.understood) vRejected++;
      }
      let vDigitExact = 0;
      for (const text of DIGIT_STRINGS) {
        const t = await transcribe(recognizer, fliteSpeech(text, voice));
        if (t.understood && t.text === text) vDigitExact++;
      }
      digitExact += vDigitExact;
      digitCount += DIGIT_STRINGS.length;
      perVoice[voice] = {
        sentenceAccuracy: vExact / IN_GRAMMAR.length,
        acceptance: vAccepted / IN_GRAMMAR.length,
        rejection: vRejected / OUT_OF_GRAMMAR.length,
        digitSentenceAccuracy: vDigitExact / DIGIT_STRINGS.length,
      };
      exact += vExact;
      accepted += vAccepted;
      rejected += vRejected;
      inCount += IN_GRAMMAR.length;
      outCount += OUT_OF_GRAMMAR.length;
    }
  }

  let realExact = 0;
  let realCount = 0;
  if (hasPocketsphinxData()) {
    const cards = await GrammarRecognizer.create({
      grammar: readFileSync(join(POCKETSPHINX_DATA, 'cards', 'cards.gram'), 'utf8'),
    });
    for (const c of cardsRecordings()) {
      realCount++;
      if ((await transcribe(cards, c.samples)).text === c.text) realExact++;
    }
    cards.close();
    const goforward = await GrammarRecognizer.create({
      grammar: readFileSync(join(POCKETSPHINX_DATA, 'goforward.gram'), 'utf8'),
    });
    realCount++;
    const gf = await transcribe(goforward, readRaw16(join(POCKETSPHINX_DATA, 'goforward.raw')));
    if (gf.text === 'go forward ten meters') realExact++;
    goforward.close();
  }

  const measurement: AsrMeasurement = {
    wordAccuracy: words ? 1 - errors / words : 0,
    sentenceAccuracy: inCount ? exact / inCount : 0,
    acceptance: inCount ? accepted / inCount : 0,
    rejection: outCount ? rejected / outCount : 0,
    digitSentenceAccuracy: digitCount ? digitExact / digitCount : 0,
    perVoice,
    realExact,
    realCount,
    realTimeFactor: timing.length ? await timeFactor(recognizer, timing) : 0,
    realTimeFactorWithoutRejection: timing.length ? await timeFactor(plain, timing) : 0,
    decoderMemoryMb,
    decoderCreateMs,
  };
  recognizer.close();
  plain.close();
  return measurement;
}

/**
 * `sessions` people speaking at the same moment, audio fed in 20 ms chunks round-robin as a
 * server receives it. Returns the share of one core the decoding takes (CPU ms per ms of audio
 * time), the worst time one 20 ms chunk held the event loop, and the decoders and heap it needed.
 */
export async function measureConcurrency(
  sessions: number,
): Promise<{ coreShare: number; worstChunkMs: number; decoders: number; heapMb: number }> {
  const recognizer = await GrammarRecognizer.create({
    grammar: SUPPORT_DOMAIN,
    maxDecoders: sessions,
    warmDecoders: sessions,
  });
  const texts = IN_GRAMMAR.slice(0, 4);
  const audio = Array.from({ length: sessions }, (_, i) =>
    fliteSpeech(texts[i % texts.length] as string, FLITE_CLI_VOICES[i % FLITE_CLI_VOICES.length] as string),
  );
  let coreShare = 0;
  let worstChunkMs = 0;
  // Two rounds: the first warms the JIT and each decoder's normalisation; the second is kept.
  for (let round = 0; round < 2; round++) {
    const streams = audio.map(() => recognizer.start());
    const longest = Math.max(...audio.map((a) => a.length));
    let busy = 0;
    worstChunkMs = 0;
    for (let offset = 0; offset < longest; offset += 320) {
      for (let i = 0; i < sessions; i++) {
        const a = audio[i] as Int16Array;
        if (offset >= a.length) continue;
        const t0 = performance.now();
        (streams[i] as ReturnType<typeof recognizer.start>).write(a.subarray(offset, offset + 320));
        const ms = performance.now() - t0;
        busy += ms;
        worstChunkMs = Math.max(worstChunkMs, ms);
      }
    }
    const t0 = performance.now();
    await Promise.all(streams.map((s) => s.finish()));
    busy += performance.now() - t0;
    coreShare = busy / (longest / 16);
  }
  const module = await loadSoundSwallower();
  const result = {
    coreShare,
    worstChunkMs,
    decoders: recognizer.stats().decoders,
    heapMb: module.HEAPU8.length / 1e6,
  };
  recognizer.close();
  return result;
}

/** For the benchmark runner. */
export async function benchAsr(): Promise<BenchRow[]> {
  const m = await measureAsr();
  const c = await measureConcurrency(20);
  return [
    { name: 'asr.grammar.word_accuracy', value: m.wordAccuracy, unit: 'ratio' },
    { name: 'asr.grammar.sentence_accuracy', value: m.sentenceAccuracy, unit: 'ratio' },
    { name: 'asr.grammar.acceptance', value: m.acceptance, unit: 'ratio' },
    { name: 'asr.grammar.oog_rejection', value: m.rejection, unit: 'ratio' },
    { name: 'asr.grammar.digit_sentence_accuracy', value: m.digitSentenceAccuracy, unit: 'ratio' },
    { name: 'asr.grammar.real_exact', value: m.realCount ? m.realExact / m.realCount : 0, unit: 'ratio' },
    { name: 'asr.grammar.rtf', value: m.realTimeFactor, unit: 'x' },
    { name: 'asr.grammar.rtf_without_rejection', value: m.realTimeFactorWithoutRejection, unit: 'x' },
    { name: 'asr.decoder.memory', value: m.decoderMemoryMb, unit: 'MB' },
    { name: 'asr.decoder.create', value: m.decoderCreateMs, unit: 'ms' },
    { name: 'asr.concurrent20.core_share', value: c.coreShare, unit: 'cores' },
    { name: 'asr.concurrent20.worst_chunk', value: c.worstChunkMs, unit: 'ms' },
  ];
}
