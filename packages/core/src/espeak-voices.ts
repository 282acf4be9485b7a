/**
 * The eSpeak NG voices an agent can name (`providers.tts: - type: espeak, voice: fr`). The list is
 * here, not in `@visemo/espeak`, because both sides of that package's licence boundary read it:
 * the providers' config schema (Apache-2.0), which must not import the GPL engine, and the engine
 * package itself. Each name is an eSpeak language; docs/voices.md says which were checked.
 */
export const ESPEAK_VOICES = [
  'fr',
  'fr-be',
  'fr-ch',
  'en-us',
  'en-gb',
  'de',
  'es',
  'it',
  'pt',
  'pt-br',
  'nl',
] as const;
export type EspeakVoice = (typeof ESPEAK_VOICES)[number];

export function isEspeakVoice(voice: string): voice is EspeakVoice {
  return (ESPEAK_VOICES as readonly string[]).includes(voice);
}
