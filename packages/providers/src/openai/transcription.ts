import type { RecognitionStream, SpeechRecognizer, Transcript } from '@visemo/core';
import { ErrorCode, VisemoError } from '@visemo/core';
import { writeWav } from '@visemo/speech';
import { ProviderError } from '../errors.js';
import { providerFetch } from '../http/request.js';
import { linkedController } from '../http/signals.js';
import { audioSeconds } from '../usage.js';
import {
  endpointUrl,
  type OpenAICompatibleConfig,
  type ResolvedEndpoint,
  resolveOpenAIEndpoint,
} from './config.js';

export interface OpenAITranscriptionConfig extends OpenAICompatibleConfig {
  /** `whisper-1`, `gpt-4o-transcribe`, `gpt-4o-mini-transcribe`, or a compatible server's model name. */
  model?: string;
  /** ISO 639-1 language of the speech; improves accuracy and latency when known. */
  language?: string;
  /** Words the domain uses (names, products), passed as the `prompt`. */
  prompt?: string;
  /**
   * `verbose_json` (default) adds segments with `avg_logprob` and `no_speech_prob`, from which the
   * confidence comes; gpt-4o-*-transcribe models accept `json` only.
   */
  responseFormat?: 'json' | 'verbose_json';
  /** A segment whose `no_speech_prob` is above this is taken as no speech (0.6 by default). */
  noSpeechThreshold?: number;
  name?: string;
}

interface TranscriptionAnswer {
  text?: string;
  segments?: { avg_logprob?: number; no_speech_prob?: number; text?: string }[];
}

const SAMPLE_RATE = 16_000;

/**
 * A SpeechRecognizer over the OpenAI-compatible `POST /audio/transcriptions` (OpenAI, Groq,
 * faster-whisper and whisper.cpp servers). The API is not streaming: the stream buffers the
 * utterance's audio and posts it as a WAV file on `finish()`; `partial()` stays empty.
 */
export class OpenAITranscriptionRecognizer implements SpeechRecognizer {
  readonly name: string;
  readonly sampleRate = SAMPLE_RATE;
  private readonly endpoint: ResolvedEndpoint;
  private readonly config: OpenAITranscriptionConfig;

  constructor(config: OpenAITranscriptionConfig) {
    this.config = config;
    this.endpoint = resolveOpenAIEndpoint(config);
    this.name = config.name ?? `openai-transcription:${config.model ?? 'whisper-1'}`;
  }

  start(options: { signal?: AbortSignal } = {}): RecognitionStream {
    const chunks: Int16Array[] = [];
    let state: 'open' | 'finishing' | 'done' = 'open';
    const { controller, dispose } = linkedController(options.signal);
    return {
      write: (samples) => {
        if (state === 'open') chunks.push(samples.slice());
      },
      partial: () => '',
      finish: async () => {
        if (state !== 'open') throw new VisemoError(ErrorCode.Internal, 'finish() called twice');
        state = 'finishing';
        try {
          return await this.transcribe(chunks, controller.signal);
        } finally {
          state = 'done';
          dispose();
        }
      },
      cancel: () => {
        state = 'done';
        chunks.length = 0;
        controller.abort(new VisemoError(ErrorCode.Aborted, 'recognition cancelled'));
        dispose();
      },
    };
  }

  private async transcribe(chunks: readonly Int16Array[], signal: AbortSignal): Promise<Transcript> {
    const total = chunks.reduce((n, c) => n + c.length, 0);
    if (total === 0) return { text: '', confidence: 0, understood: false };
    const samples = new Int16Array(total);
    let offset = 0;
    for (const c of chunks) {
      samples.set(c, offset);
      offset += c.length;
    }
    const format = this.config.responseFormat ?? 'verbose_json';
    const form = new FormData();
    form.append(
      'file',
      new Blob([writeWav({ samples, sampleRate: SAMPLE_RATE })], { type: 'audio/wav' }),
      'utterance.wav',
    );
    form.append('model', this.config.model ?? 'whisper-1');
    form.append('response_format', format);
    if (this.config.language) form.append('language', this.config.language);
    if (this.config.prompt) form.append('prompt', this.config.prompt);
    const response = await providerFetch({
      provider: this.name,
      url: endpointUrl(this.endpoint, '/audio/transcriptions'),
      // fetch sets the multipart content-type with its boundary itself.
      headers: { ...this.endpoint.headers },
      body: form,
      signal,
      secrets: [this.endpoint.apiKey],
    });
    let answer: TranscriptionAnswer;
    try {
      answer = (await response.json()) as TranscriptionAnswer;
    } catch (error) {
      throw new ProviderError(ErrorCode.ProviderFailed, `${this.name}: the answer is not JSON`, {
        provider: this.name,
        retryable: false,
        cause: error,
      });
    }
    return { ...this.transcript(answer), usage: { audioSeconds: audioSeconds(total, SAMPLE_RATE) } };
  }

  private transcript(answer: TranscriptionAnswer): Transcript {
    const text = (answer.text ?? '').trim();
    const segments = answer.segments ?? [];
    if (segments.length === 0) return { text, confidence: text ? 1 : 0, understood: text !== '' };
    const threshold = this.config.noSpeechThreshold ?? 0.6;
    const speech = segments.filter((s) => (s.no_speech_prob ?? 0) <= threshold);
    if (speech.length === 0 || text === '') return { text: '', confidence: 0, understood: false };
    // avg_logprob is the mean token log-probability: exp gives a per-token probability in 0..1.
    const mean = speech.reduce((sum, s) => sum + (s.avg_logprob ?? 0), 0) / speech.length;
    return { text, confidence: Math.min(1, Math.max(0, Math.exp(mean))), understood: true };
  }
}
