import type { SpeechSynthesizer, SynthesisRequest, SynthesisResult } from '@visemo/core';
import { ErrorCode } from '@visemo/core';
import { decodeAudio, type EncodedAudioFormat } from '../audio/decode.js';
import { ProviderError } from '../errors.js';
import { providerFetch } from '../http/request.js';
import { characterCount } from '../usage.js';
import { type CharacterAlignment, timingsFromCharacters } from './characters.js';

export interface ElevenLabsConfig {
  apiKey: string;
  /** The default voice id (from the voice library), e.g. `JBFqnCBsd6RMkjVDRZzb`. */
  voiceId: string;
  /** Voice ids this agent may pick from; the default alone unless set. */
  voiceIds?: string[];
  /** `eleven_multilingual_v2` by default; `eleven_flash_v2_5` for lower latency. */
  modelId?: string;
  /**
   * `pcm_16000` (raw s16le at 16 kHz, no decoding, the default), other `pcm_<rate>`, or
   * `mp3_<rate>_<kbps>` such as `mp3_44100_128` (decoded with mpg123).
   */
  outputFormat?: string;
  voiceSettings?: {
    stability?: number;
    similarity_boost?: number;
    style?: number;
    use_speaker_boost?: boolean;
    speed?: number;
  };
  /** ISO 639-1, for models that take it (flash/turbo v2.5). */
  languageCode?: string;
  /** `https://api.elevenlabs.io` unless set (tests, proxies, the EU residency host). */
  baseURL?: string;
  name?: string;
}

interface WithTimestampsAnswer {
  audio_base64?: string;
  alignment?: CharacterAlignment | null;
  normalized_alignment?: CharacterAlignment | null;
}

/**
 * ElevenLabs `POST /v1/text-to-speech/{voice_id}/with-timestamps`: audio plus per-character start
 * and end times, from which words come exactly and phones/visemes approximately (letter rules).
 */
export class ElevenLabsSynthesizer implements SpeechSynthesizer {
  readonly name: string;
  readonly voices: readonly string[];
  private readonly config: ElevenLabsConfig;

  constructor(config: ElevenLabsConfig) {
    this.config = config;
    this.name = config.name ?? `elevenlabs:${config.voiceId}`;
    this.voices = config.voiceIds ?? [config.voiceId];
  }

  async synthesize(request: SynthesisRequest): Promise<SynthesisResult> {
    const outputFormat = this.config.outputFormat ?? 'pcm_16000';
    const base = (this.config.baseURL ?? 'https://api.elevenlabs.io').replace(/\/+$/, '');
    const voice = encodeURIComponent(request.voice ?? this.config.voiceId);
    const body: Record<string, unknown> = {
      text: request.text,
      model_id: this.config.modelId ?? 'eleven_multilingual_v2',
    };
    if (this.config.voiceSettings) body.voice_settings = this.config.voiceSettings;
    if (this.config.languageCode) body.language_code = this.config.languageCode;
    const response = await providerFetch({
      provider: this.name,
      url: `${base}/v1/text-to-speech/${voice}/with-timestamps?output_format=${encodeURIComponent(outputFormat)}`,
      headers: {
        'xi-api-key': this.config.apiKey,
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: JSON.stringify(body),
      signal: request.signal,
      secrets: [this.config.apiKey],
    });
    const answer = (await response.json()) as WithTimestampsAnswer;
    if (typeof answer.audio_base64 !== 'string') {
      throw new ProviderError(ErrorCode.ProviderFailed, `${this.name}: the answer has no audio_base64`, {
        provider: this.name,
        retryable: false,
      });
    }
    const bytes = new Uint8Array(Buffer.from(answer.audio_base64, 'base64'));
    const audio = await decodeAudio(bytes, elevenLabsFormat(outputFormat));
    const alignment = answer.alignment ?? answer.normalized_alignment;
    if (!alignment) {
      throw new ProviderError(ErrorCode.ProviderFailed, `${this.name}: the answer has no alignment`, {
        provider: this.name,
        retryable: false,
      });
    }
    const { words, phones, visemes } = timingsFromCharacters(alignment, answer.normalized_alignment);
    return { audio, phones, visemes, words, usage: { characters: characterCount(request.text) } };
  }
}

export function elevenLabsFormat(outputFormat: string): EncodedAudioFormat {
  const [codec, rate] = outputFormat.split('_');
  if (codec === 'pcm' && rate) return { type: 'pcm', sampleRate: Number(rate) };
  if (codec === 'mp3') return { type: 'mp3' };
  if (codec === 'opus') return { type: 'opus' };
  throw new ProviderError(
    ErrorCode.ProviderRejected,
    `ElevenLabs output format ${outputFormat} is not supported here`,
    {
      provider: 'elevenlabs',
      retryable: false,
    },
  );
}
