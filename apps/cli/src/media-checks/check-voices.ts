import type { SpeechSynthesizer } from '@visemo/core';
import {
  FLITE_VOICES,
  FliteSynthesizer,
  type ForcedAligner,
  hasPicoLingware,
  PicoSynthesizer,
  type PicoVoice,
} from '@visemo/speech';
import { InputError, UsageError } from '../args.js';

/**
 * The embedded voices `visemo check` measures: the four Flite voices and the English Pico voices
 * (the forced aligner that the lip-sync check needs is English only).
 */
const PICO_CHECK_VOICES = ['en-US', 'en-GB'] as const satisfies readonly PicoVoice[];
export const CHECK_VOICES = [...FLITE_VOICES, ...PICO_CHECK_VOICES] as const;

export interface CheckVoice {
  engine: 'flite' | 'pico';
  voice: string;
}

/** `flite slt`, `pico en-US`. */
export function voiceLabel(v: CheckVoice): string {
  return `${v.engine} ${v.voice}`;
}

/** The voices named in `list` (default: all of them), and why any that cannot run here were left out. */
export function resolveCheckVoices(list: string | undefined): { voices: CheckVoice[]; skipped: string[] } {
  const names = list === undefined ? [...CHECK_VOICES] : list.split(',').map((v) => v.trim());
  const unknown = names.filter((v) => !(CHECK_VOICES as readonly string[]).includes(v));
  if (names.length === 0 || names.some((v) => !v) || unknown.length > 0) {
    throw new UsageError(`--voices takes ${CHECK_VOICES.join(', ')}; got "${list}"`);
  }
  const voices: CheckVoice[] = [];
  const skipped: string[] = [];
  for (const voice of new Set(names)) {
    const engine = (FLITE_VOICES as readonly string[]).includes(voice) ? 'flite' : 'pico';
    if (engine === 'pico' && !hasPicoLingware(voice as PicoVoice)) {
      // Named on purpose, a missing voice is an error; left out of the default set, a note.
      if (list !== undefined) throw new InputError(`pico ${voice}: ${PICO_MISSING}`);
      skipped.push(`pico ${voice}: ${PICO_MISSING}`);
      continue;
    }
    voices.push({ engine, voice });
  }
  return { voices, skipped };
}

const PICO_MISSING =
  'no lingware (apt-get install libttspico-data from Debian non-free, or set VISEMO_PICO_LINGWARE)';

/** One synthesizer per engine, made on first use, as the server's embedded providers are. */
export class CheckSynthesizers {
  private flite: FliteSynthesizer | undefined;
  private pico: PicoSynthesizer | undefined;

  /** Pico times its phones with `aligner`, the same one the check measures against. */
  constructor(private readonly aligner: ForcedAligner) {}

  for(voice: CheckVoice): SpeechSynthesizer {
    if (voice.engine === 'flite') {
      this.flite ??= new FliteSynthesizer();
      return this.flite;
    }
    this.pico ??= new PicoSynthesizer({ aligner: async () => this.aligner });
    return this.pico;
  }

  async close(): Promise<void> {
    await Promise.all([this.flite?.close(), this.pico?.close()]);
  }
}
