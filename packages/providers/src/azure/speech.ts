import type { SpeechSynthesizer, SynthesisRequest, SynthesisResult } from '@visemo/core';
import { decodeAudio, type EncodedAudioFormat } from '../audio/decode.js';
import { providerFetch } from '../http/request.js';
import { forcedAlignmentTiming, type TimingSource } from '../timing/timing.js';
import { characterCount } from '../usage.js';

export interface AzureSpeechConfig {
  /** Subscription key, sent as `Ocp-Apim-Subscription-Key`. */
  apiKey: string;
  /** The resource's region, e.g. `westeurope`; or give `endpoint`. */
  region?: string;
  /** Full synthesis URL, overriding the one built from `region`. */
  endpoint?: string;
  /** Default voice, e.g. `en-US-AvaMultilingualNeural`. */
  voice?: string;
  voices?: string[];
  /** The SSML `xml:lang`; `en-US` by default. */
  language?: string;
  /**
   * `raw-16khz-16bit-mono-pcm` by default (no decoding, no resampling); also
   * `riff-24khz-16bit-mono-pcm`, `audio-24khz-48kbitrate-mono-mp3`, `ogg-24khz-16bit-mono-opus`.
   */
  outputFormat?: string;
  /** Timings for the audio: forced alignment by default (the REST API returns none). */
  timing?: TimingSource;
  name?: string;
}

/**
 * Azure Speech text to speech over its REST API (`POST /cognitiveservices/v1` with SSML). The REST
 * API returns audio only: Azure's viseme and word-boundary events exist only on the Speech SDK's
 * WebSocket protocol. Visemes here come from forced alignment instead (docs/providers.md says why).
 */
export class AzureSpeechSynthesizer implements SpeechSynthesizer {
  readonly name: string;
  readonly voices: readonly string[];
  private readonly config: AzureSpeechConfig;
  private readonly timing: TimingSource;

  constructor(config: AzureSpeechConfig) {
    this.config = config;
    const voice = config.voice ?? 'en-US-AvaMultilingualNeural';
    this.name = config.name ?? `azure-speech:${voice}`;
    this.voices = config.voices ?? [voice];
    this.timing = config.timing ?? forcedAlignmentTiming();
  }

  async synthesize(request: SynthesisRequest): Promise<SynthesisResult> {
    const outputFormat = this.config.outputFormat ?? 'raw-16khz-16bit-mono-pcm';
    const url =
      this.config.endpoint ?? `https://${this.config.region}.tts.speech.microsoft.com/cognitiveservices/v1`;
    const response = await providerFetch({
      provider: this.name,
      url,
      headers: {
        'ocp-apim-subscription-key': this.config.apiKey,
        'content-type': 'application/ssml+xml',
        'x-microsoft-outputformat': outputFormat,
        'user-agent': 'visemo',
      },
      body: ssml(request.text, request.voice ?? this.voices[0] ?? '', this.config.language ?? 'en-US'),
      signal: request.signal,
      secrets: [this.config.apiKey],
    });
    const bytes = new Uint8Array(await response.arrayBuffer());
    const audio = await decodeAudio(bytes, azureFormat(outputFormat));
    const { words, phones, visemes } = await this.timing(audio, request.text);
    return { audio, phones, visemes, words, usage: { characters: characterCount(request.text) } };
  }
}

export function ssml(text: string, voice: string, language: string): string {
  return `<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="${escapeXml(language)}"><voice name="${escapeXml(voice)}">${escapeXml(text)}</voice></speak>`;
}

export function escapeXml(text: string): string {
  return text.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string,
  );
}

/** Azure's output format names: `raw-<rate>khz-16bit-mono-pcm`, `riff-…` (WAV), `…-mp3`, `ogg-…-opus`. */
export function azureFormat(name: string): EncodedAudioFormat {
  if (name.startsWith('raw-') && name.endsWith('-pcm')) {
    const khz = /-(\d+)khz-/.exec(name)?.[1];
    const hz = /-(\d+)hz-/.exec(name)?.[1];
    return { type: 'pcm', sampleRate: khz ? Number(khz) * 1000 : Number(hz ?? 16000) };
  }
  if (name.startsWith('riff-')) return { type: 'wav' };
  if (name.endsWith('-mp3')) return { type: 'mp3' };
  if (name.startsWith('ogg-') && name.endsWith('-opus')) return { type: 'opus' };
  return { type: 'wav' };
}
