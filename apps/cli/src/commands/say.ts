import { writeFile } from 'node:fs/promises';
import { ESPEAK_VOICES, isEspeakVoice, type SpeechSynthesizer } from '@visemo/core';
import { createProviders, ProvidersConfigSchema } from '@visemo/providers';
import { FLITE_VOICES, FliteSynthesizer, writeWav } from '@visemo/speech';
import { parseCommandArgs, UsageError } from '../args.js';
import { renderVisemeTrackSvg } from '../viseme-track-svg.js';

const HELP = `visemo say TEXT -o OUT.wav [--visemes OUT.json] [--picture OUT.svg] [--voice NAME]

Synthesizes TEXT with an embedded voice (16 kHz mono PCM16 WAV).
  -o, --out FILE       the WAV file to write
  --visemes FILE       also write the viseme track, word and phone timings as JSON
  --picture FILE       also draw the viseme track over the waveform as SVG
  --voice NAME         Flite: ${FLITE_VOICES.join(', ')} (default slt)
                       eSpeak NG (GPL-3.0, docs/voices.md): ${ESPEAK_VOICES.join(', ')}`;

/** A synthesizer for `voice` and how to release it: Flite's, or eSpeak's through its provider hop. */
function synthesizerFor(voice: string): { synthesizer: SpeechSynthesizer; close: () => Promise<void> } {
  if (isEspeakVoice(voice)) {
    const providers = createProviders(ProvidersConfigSchema.parse({ tts: [{ type: 'espeak', voice }] }), {});
    if (!providers.tts) throw new Error('the espeak hop built no synthesizer');
    return { synthesizer: providers.tts, close: () => providers.close() };
  }
  const flite = new FliteSynthesizer();
  return { synthesizer: flite, close: () => flite.close() };
}

export async function sayCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      out: { type: 'string', short: 'o' },
      visemes: { type: 'string' },
      picture: { type: 'string' },
      voice: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    true,
  );
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const text = positionals.join(' ').trim();
  if (!text) throw new UsageError('give the TEXT to say');
  if (!values.out) throw new UsageError('-o OUT.wav is required');
  const voice = values.voice ?? 'slt';
  if (!(FLITE_VOICES as readonly string[]).includes(voice) && !isEspeakVoice(voice)) {
    const voices = [...FLITE_VOICES, ...ESPEAK_VOICES];
    throw new UsageError(`unknown voice "${voice}"; voices: ${voices.join(', ')}`);
  }

  const { synthesizer, close } = synthesizerFor(voice);
  const started = performance.now();
  const result = await synthesizer.synthesize({ text, voice }).finally(close);
  const elapsed = performance.now() - started;
  await writeFile(values.out, writeWav(result.audio));
  const durationMs = (result.audio.samples.length / result.audio.sampleRate) * 1000;
  if (values.visemes) {
    const track = {
      text,
      voice,
      sampleRate: result.audio.sampleRate,
      durationMs: Math.round(durationMs),
      visemes: result.visemes,
      words: result.words,
      phones: result.phones ?? [],
    };
    await writeFile(values.visemes, `${JSON.stringify(track, null, 2)}\n`);
  }
  if (values.picture) await writeFile(values.picture, renderVisemeTrackSvg(result));
  process.stderr.write(
    `${values.out}: ${(durationMs / 1000).toFixed(2)} s of speech, ${result.visemes.length} visemes, synthesized in ${Math.round(elapsed)} ms\n`,
  );
  return 0;
}
