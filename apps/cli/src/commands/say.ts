import { writeFile } from 'node:fs/promises';
import { FLITE_VOICES, FliteSynthesizer, writeWav } from '@visemo/speech';
import { parseCommandArgs, UsageError } from '../args.js';
import { renderVisemeTrackSvg } from '../viseme-track-svg.js';

const HELP = `visemo say TEXT -o OUT.wav [--visemes OUT.json] [--picture OUT.svg] [--voice NAME]

Synthesizes TEXT with the embedded Flite voice (16 kHz mono PCM16 WAV).
  -o, --out FILE       the WAV file to write
  --visemes FILE       also write the viseme track, word and phone timings as JSON
  --picture FILE       also draw the viseme track over the waveform as SVG
  --voice NAME         ${FLITE_VOICES.join(', ')} (default slt)`;

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
  if (!(FLITE_VOICES as readonly string[]).includes(voice)) {
    throw new UsageError(`unknown voice "${voice}"; voices: ${FLITE_VOICES.join(', ')}`);
  }

  const synthesizer = new FliteSynthesizer();
  const started = performance.now();
  const result = await synthesizer.synthesize({ text, voice }).finally(() => synthesizer.close());
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
