import {
  ErrorCode,
  ESPEAK_VOICES,
  type EspeakVoice,
  type SpeechSynthesizer,
  type SynthesisRequest,
  type SynthesisResult,
  VisemoError,
} from '@visemo/core';
import type { EspeakSynthesizer, EspeakSynthesizerOptions } from '@visemo/espeak';
import { z } from 'zod';
import { defineHop, timeoutMs, type Vendor } from '../vendor.js';

/**
 * eSpeak NG, compiled to WebAssembly and run in this process: French and ten other voices, with
 * visemes from eSpeak's own phone timings (docs/voices.md). The engine is GPL-3.0, so it lives in
 * `@visemo/espeak` and is imported only here, dynamically, on the first sentence an agent with
 * this hop speaks; the config schema and every other path never load it
 * (docs/decisions/0202-espeak-ng-second-engine.md).
 */
export const espeak = {
  tts: defineHop('tts', {
    schema: z.strictObject({
      type: z.literal('espeak'),
      voice: z.enum(ESPEAK_VOICES).optional(),
      /** Words per minute; eSpeak's own is 175. */
      rate: z.number().min(80).max(450).optional(),
      /** Base pitch, 0–99; eSpeak's own is 50. */
      pitch: z.number().min(0).max(99).optional(),
      timeoutMs: timeoutMs.optional(),
    }),
    local: true,
    create: (hop) => new DeferredEspeak({ defaultVoice: hop.voice, rate: hop.rate, pitch: hop.pitch }),
  }),
} satisfies Vendor;

/** An `EspeakSynthesizer` made on first use, from a module imported only then. */
export class DeferredEspeak implements SpeechSynthesizer {
  readonly name = 'espeak';
  readonly voices: readonly EspeakVoice[] = ESPEAK_VOICES;
  private synthesizer: Promise<EspeakSynthesizer> | undefined;

  constructor(private readonly options: EspeakSynthesizerOptions) {}

  private load(): Promise<EspeakSynthesizer> {
    this.synthesizer ??= import('@visemo/espeak').then(
      ({ EspeakSynthesizer }) => new EspeakSynthesizer(this.options),
      (error: unknown) => {
        this.synthesizer = undefined;
        throw new VisemoError(
          ErrorCode.ProviderFailed,
          'the espeak voice needs the @visemo/espeak package (GPL-3.0), which could not be loaded',
          { cause: error },
        );
      },
    );
    return this.synthesizer;
  }

  async prepare(voices?: readonly string[]): Promise<void> {
    await (await this.load()).prepare(voices);
  }

  async synthesize(request: SynthesisRequest): Promise<SynthesisResult> {
    return (await this.load()).synthesize(request);
  }
}
