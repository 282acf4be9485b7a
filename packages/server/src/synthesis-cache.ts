import type { SpeechSynthesizer, SynthesisRequest, SynthesisResult } from '@visemo/core';

export interface SynthesisCacheOptions {
  /** Memory the cached audio may take, in bytes; the least recently used sentences go first. */
  maxBytes: number;
}

/** 16-bit audio at 16 kHz is 32 kB a second: 32 MiB keep about 17 minutes of distinct speech. */
export const DEFAULT_SYNTHESIS_CACHE_BYTES = 32 * 1024 * 1024;

/** What one timing entry (phone, viseme, word) costs besides the audio, roughly. */
const TIMING_BYTES = 64;

/**
 * Remembers synthesized sentences by voice and text. An agent says the same sentences again and
 * again (its greeting, intent answers, re-prompts); a sentence heard before then costs no
 * synthesis, and its first audio leaves at once instead of after the synthesizer's queue and run.
 *
 * Results are shared between every session that asks for the same sentence, so they are
 * immutable by contract: consumers must not write into the audio or the timings. Only completed
 * syntheses are kept; a failed or aborted one is not.
 */
export class SynthesisCache implements SpeechSynthesizer {
  readonly name: string;
  readonly voices: readonly string[];
  private readonly entries = new Map<string, { result: SynthesisResult; bytes: number }>();
  private bytes = 0;
  private hits = 0;
  private misses = 0;

  constructor(
    private readonly inner: SpeechSynthesizer,
    private readonly options: SynthesisCacheOptions = { maxBytes: DEFAULT_SYNTHESIS_CACHE_BYTES },
  ) {
    this.name = inner.name;
    this.voices = inner.voices;
  }

  async synthesize(request: SynthesisRequest): Promise<SynthesisResult> {
    // A leading sentence may be cut differently (less opening silence), so it is kept apart.
    const key = `${request.voice ?? ''}\n${request.leading ? 'leading\n' : ''}${request.text}`;
    const cached = this.entries.get(key);
    if (cached) {
      this.hits++;
      // Map order is the recency order: a hit moves to the back.
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached.result;
    }
    this.misses++;
    const result = await this.inner.synthesize(request);
    this.remember(key, result);
    return result;
  }

  /** Hits and misses since creation, and what the cache holds now. */
  stats(): { hits: number; misses: number; entries: number; bytes: number } {
    return { hits: this.hits, misses: this.misses, entries: this.entries.size, bytes: this.bytes };
  }

  private remember(key: string, result: SynthesisResult): void {
    const timings = result.visemes.length + result.words.length + (result.phones?.length ?? 0);
    const bytes = result.audio.samples.byteLength + timings * TIMING_BYTES + key.length * 2;
    if (bytes > this.options.maxBytes) return;
    const previous = this.entries.get(key);
    if (previous) {
      this.entries.delete(key);
      this.bytes -= previous.bytes;
    }
    this.entries.set(key, { result, bytes });
    this.bytes += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= this.options.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= entry.bytes;
    }
  }
}
