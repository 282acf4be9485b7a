import type { SpeechSynthesizer, SynthesisRequest, SynthesisResult } from '@visemo/core';
import { decodeAudio, type EncodedAudioFormat } from '../audio/decode.js';
import { providerFetch } from '../http/request.js';
import { forcedAlignmentTiming, type TimingSource } from '../timing/timing.js';
import { characterCount } from '../usage.js';
import {
  endpointUrl,
  type OpenAICompatibleConfig,
  type ResolvedEndpoint,
  resolveOpenAIEndpoint,
} from './config.js';

export type OpenAISpeechFormat = 'pcm' | 'wav' | 'mp3' | 'opus';

export interface OpenAISpeechConfig extends OpenAICompatibleConfig {
  /** `gpt-4o-mini-tts`, `tts-1`, `tts-1-hd`, or what a compatible server (Kokoro-FastAPI, …) names. */
  model?: string;
  /** The default voice; `alloy` unless set. */
  voice?: string;
  /** Voices this agent may pick from; the default voice alone unless set. */
  voices?: string[];
  /**
   * `pcm` is raw 24 kHz signed 16-bit little-endian mono (OpenAI's documented rate) and needs no
   * decoder; `wav`, `mp3` and `opus` (Ogg) are decoded here.
   */
  responseFormat?: OpenAISpeechFormat;
  /** 0.25–4.0. */
  speed?: number;
  /** Voice direction for gpt-4o-mini-tts ("speak warmly"). */
  instructions?: string;
  /** Where word/viseme timings come from (OpenAI gives none): forced alignment by default. */
  timing?: TimingSource;
  name?: string;
}

const PCM_RATE = 24_000;

/** OpenAI-compatible `POST /audio/speech`. */
export class OpenAISpeechSynthesizer implements SpeechSynthesizer {
  readonly name: string;
  readonly voices: readonly string[];
  private readonly endpoint: ResolvedEndpoint;
  private readonly config: OpenAISpeechConfig;
  private readonly timing: TimingSource;

  constructor(config: OpenAISpeechConfig) {
    this.config = config;
    this.endpoint = resolveOpenAIEndpoint(config);
    this.name = config.name ?? `openai-tts:${config.model ?? 'gpt-4o-mini-tts'}`;
    this.voices = config.voices ?? [config.voice ?? 'alloy'];
    this.timing = config.timing ?? forcedAlignmentTiming();
  }

  async synthesize(request: SynthesisRequest): Promise<SynthesisResult> {
    const format = this.config.responseFormat ?? 'pcm';
    const body: Record<string, unknown> = {
      model: this.config.model ?? 'gpt-4o-mini-tts',
      input: request.text,
      voice: request.voice ?? this.config.voice ?? 'alloy',
      response_format: format,
    };
    if (this.config.speed !== undefined) body.speed = this.config.speed;
    if (this.config.instructions !== undefined) body.instructions = this.config.instructions;
    const response = await providerFetch({
      provider: this.name,
      url: endpointUrl(this.endpoint, '/audio/speech'),
      headers: { ...this.endpoint.headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: request.signal,
      secrets: [this.endpoint.apiKey],
    });
    const bytes = new Uint8Array(await response.arrayBuffer());
    const encoded: EncodedAudioFormat =
      format === 'pcm' ? { type: 'pcm', sampleRate: PCM_RATE } : { type: format };
    const audio = await decodeAudio(bytes, encoded);
    const { words, phones, visemes } = await this.timing(audio, request.text);
    return { audio, phones, visemes, words, usage: { characters: characterCount(request.text) } };
  }
}
