import type { RecognitionStream, SpeechRecognizer, Transcript } from '@visemo/core';
import { ErrorCode, VisemoError } from '@visemo/core';
import WebSocket from 'ws';
import { codeForStatus, isRetryableStatus, ProviderError, redact } from '../errors.js';
import { vendorError } from '../http/request.js';
import { parseRetryAfter } from '../http/retry-after.js';
import { audioSeconds } from '../usage.js';

export interface DeepgramConfig {
  apiKey: string;
  /** `nova-3` by default. */
  model?: string;
  /** BCP-47 language, `en` by default (`multi` for nova-3 code switching). */
  language?: string;
  /** `wss://api.deepgram.com` unless set (self-hosted Deepgram, tests). */
  baseURL?: string;
  punctuate?: boolean;
  smartFormat?: boolean;
  /** Silence (ms) after which Deepgram marks `speech_final`; Deepgram's default (10 ms) if unset. */
  endpointingMs?: number;
  /** Sends `UtteranceEnd` messages after this many ms without words (≥ 1000). */
  utteranceEndMs?: number;
  /** Domain terms to boost (nova-3 `keyterm`). */
  keyterms?: string[];
  /**
   * A `{"type":"KeepAlive"}` goes out when no audio was sent for this long: Deepgram closes a
   * connection that receives nothing for 10 s (NET-0001). 5000 ms by default.
   */
  keepAliveMs?: number;
  /** How long `finish()` waits for the last results after `CloseStream`; 5000 ms by default. */
  finishTimeoutMs?: number;
  name?: string;
}

interface ResultsMessage {
  type: 'Results';
  is_final?: boolean;
  speech_final?: boolean;
  channel?: { alternatives?: { transcript?: string; confidence?: number }[] };
}

const SAMPLE_RATE = 16_000;

/**
 * Deepgram's live streaming API (`wss://api.deepgram.com/v1/listen`): 16 kHz linear16 audio goes
 * up as binary frames, `Results` messages come back with interim (`is_final: false`) and final
 * transcripts. `partial()` is the finals so far plus the current interim; `finish()` sends
 * `CloseStream` and resolves when Deepgram has sent its last results and closed.
 */
export class DeepgramRecognizer implements SpeechRecognizer {
  readonly name: string;
  readonly sampleRate = SAMPLE_RATE;
  private readonly config: DeepgramConfig;

  constructor(config: DeepgramConfig) {
    this.config = config;
    this.name = config.name ?? `deepgram:${config.model ?? 'nova-3'}`;
  }

  /** The listen URL with its query; exported for tests and logs (holds no secret). */
  url(): string {
    const c = this.config;
    const q = new URLSearchParams({
      model: c.model ?? 'nova-3',
      language: c.language ?? 'en',
      encoding: 'linear16',
      sample_rate: String(SAMPLE_RATE),
      channels: '1',
      interim_results: 'true',
      punctuate: String(c.punctuate ?? true),
    });
    if (c.smartFormat) q.set('smart_format', 'true');
    if (c.endpointingMs !== undefined) q.set('endpointing', String(c.endpointingMs));
    if (c.utteranceEndMs !== undefined) q.set('utterance_end_ms', String(c.utteranceEndMs));
    for (const term of c.keyterms ?? []) q.append('keyterm', term);
    return `${(c.baseURL ?? 'wss://api.deepgram.com').replace(/\/+$/, '')}/v1/listen?${q}`;
  }

  start(options: { signal?: AbortSignal } = {}): RecognitionStream {
    return new DeepgramStream(this.name, this.url(), this.config, options.signal);
  }
}

class DeepgramStream implements RecognitionStream {
  private readonly socket: WebSocket;
  private readonly finals: string[] = [];
  private readonly confidences: number[] = [];
  private interim = '';
  /** Samples sent (or queued while connecting): what Deepgram bills. */
  private samples = 0;
  private pending: Buffer[] = [];
  private error: ProviderError | VisemoError | undefined;
  private closed = false;
  private finishing = false;
  private finishCalled = false;
  private lastSend = Date.now();
  private readonly keepAlive: ReturnType<typeof setInterval>;
  private readonly closedPromise: Promise<void>;
  private readonly onAbort: () => void;

  constructor(
    private readonly provider: string,
    url: string,
    private readonly config: DeepgramConfig,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.socket = new WebSocket(url, { headers: { authorization: `Token ${config.apiKey}` } });
    this.closedPromise = new Promise((resolve) => {
      this.socket.on('close', (code, reason) => {
        this.closed = true;
        clearInterval(this.keepAlive);
        // 1000 is Deepgram's normal close after CloseStream; 1008 (bad data) and 1011 (its timeout
        // or internal error) carry a reason such as `NET-0001`.
        if (code !== 1000 && code !== 1005 && !this.error) {
          this.error = this.failure(
            ErrorCode.ProviderStreamBroken,
            `closed ${code} ${reason.toString()}`,
            false,
          );
        }
        resolve();
      });
    });
    this.socket.on('open', () => {
      for (const b of this.pending) this.socket.send(b);
      this.pending = [];
      this.lastSend = Date.now();
      if (this.finishing) this.sendControl('CloseStream');
    });
    this.socket.on('message', (data, isBinary) => {
      if (!isBinary) this.onMessage(data.toString());
    });
    this.socket.on('unexpected-response', (_request, response) => {
      // The handshake was refused with an HTTP answer (401 bad key, 429, 400 bad query).
      let body = '';
      response.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      response.on('end', () => {
        const status = response.statusCode ?? 0;
        const parsed = vendorError(body);
        const headers = new Headers();
        const after = response.headers['retry-after'];
        if (typeof after === 'string') headers.set('retry-after', after);
        const dgError = response.headers['dg-error'];
        this.error = new ProviderError(
          codeForStatus(status),
          redact(`${provider}: HTTP ${status}: ${parsed.message ?? dgError ?? body.slice(0, 200)}`, [
            config.apiKey,
          ]),
          {
            provider,
            status,
            vendorCode: parsed.code,
            retryAfterMs: parseRetryAfter(headers),
            retryable: isRetryableStatus(status),
          },
        );
        this.socket.terminate();
      });
    });
    this.socket.on('error', (error) => {
      if (!this.error) {
        this.error = this.failure(
          ErrorCode.ProviderUnavailable,
          `could not connect: ${error.message}`,
          true,
          error,
        );
      }
    });
    const every = config.keepAliveMs ?? 5000;
    this.keepAlive = setInterval(
      () => {
        if (this.socket.readyState === WebSocket.OPEN && Date.now() - this.lastSend >= every)
          this.sendControl('KeepAlive');
      },
      Math.max(50, every / 2),
    );
    this.onAbort = () => this.cancel();
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  write(samples: Int16Array): void {
    if (this.closed || this.finishing) return;
    const bytes = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
    if (this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(bytes);
      this.lastSend = Date.now();
      this.samples += samples.length;
    } else if (this.socket.readyState === WebSocket.CONNECTING) {
      this.pending.push(Buffer.from(bytes));
      this.samples += samples.length;
    }
  }

  partial(): string {
    return [...this.finals, this.interim].filter((t) => t !== '').join(' ');
  }

  async finish(): Promise<Transcript> {
    if (this.finishCalled) throw new VisemoError(ErrorCode.Internal, 'finish() called twice');
    this.finishCalled = true;
    if (this.error && this.closed) throw this.error;
    this.finishing = true;
    if (this.socket.readyState === WebSocket.OPEN) this.sendControl('CloseStream');
    const timeoutMs = this.config.finishTimeoutMs ?? 5000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = await Promise.race([
      this.closedPromise.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    this.dispose();
    if (timedOut) {
      this.socket.terminate();
      if (this.finals.length === 0) {
        throw this.failure(
          ErrorCode.ProviderTimeout,
          `no final result within ${timeoutMs} ms of CloseStream`,
          false,
        );
      }
    } else if (this.error) throw this.error;
    const text = this.finals.join(' ').trim();
    const confidence =
      this.confidences.length === 0
        ? 0
        : this.confidences.reduce((s, c) => s + c, 0) / this.confidences.length;
    return {
      text,
      confidence,
      understood: text !== '',
      usage: { audioSeconds: audioSeconds(this.samples, SAMPLE_RATE) },
    };
  }

  cancel(): void {
    if (!this.error) this.error = new VisemoError(ErrorCode.Aborted, 'recognition cancelled');
    this.finishing = true;
    this.dispose();
    // terminate() drops the TCP connection at once; the server sees the stream end.
    this.socket.terminate();
  }

  private dispose(): void {
    clearInterval(this.keepAlive);
    this.signal?.removeEventListener('abort', this.onAbort);
  }

  private sendControl(type: 'KeepAlive' | 'CloseStream' | 'Finalize'): void {
    this.socket.send(JSON.stringify({ type }));
    this.lastSend = Date.now();
  }

  private onMessage(text: string): void {
    let message: { type?: string };
    try {
      message = JSON.parse(text) as { type?: string };
    } catch {
      return;
    }
    if (message.type !== 'Results') return;
    const results = message as ResultsMessage;
    const alternative = results.channel?.alternatives?.[0];
    const transcript = (alternative?.transcript ?? '').trim();
    if (results.is_final) {
      if (transcript !== '') {
        this.finals.push(transcript);
        this.confidences.push(alternative?.confidence ?? 0);
      }
      this.interim = '';
    } else {
      this.interim = transcript;
    }
  }

  private failure(code: ErrorCode, message: string, retryable: boolean, cause?: unknown): ProviderError {
    return new ProviderError(code, redact(`${this.provider}: ${message}`, [this.config.apiKey]), {
      provider: this.provider,
      retryable,
      cause,
    });
  }
}
