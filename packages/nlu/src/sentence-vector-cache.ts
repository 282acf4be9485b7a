import { closeSync, mkdirSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SentenceEncoder } from './sentence-encoder.js';

/** Where an agent's NLU keeps its training vectors unless told otherwise: the repository's cache. */
export const DEFAULT_VECTOR_CACHE = fileURLToPath(
  new URL('../../../node_modules/.cache/visemo/', import.meta.url),
);

/**
 * The vectors an encoder gave for training texts, kept in a file so that an agent restarted with
 * the same examples does not embed them again (Universal Sentence Encoder lite: 6–10 ms a
 * sentence). Only training texts go through it: what users say is never written to disk.
 *
 * One file per encoder, `<folder>/<encoder name>-<dimensions>.vectors`: records appended one
 * after another, each the text's UTF-8 length (uint32), the text, and the vector (float32).
 */
export class SentenceVectorCache {
  private readonly vectors = new Map<string, Float32Array>();

  private constructor(
    private readonly encoder: SentenceEncoder,
    private readonly file: string,
  ) {}

  /** Reads the encoder's file in `folder`, if there is one; a torn last record is cut off. */
  static open(folder: string, encoder: SentenceEncoder): SentenceVectorCache {
    mkdirSync(folder, { recursive: true });
    const cache = new SentenceVectorCache(
      encoder,
      join(folder, `${encoder.name}-${encoder.dimensions}.vectors`),
    );
    let bytes: Buffer;
    try {
      bytes = readFileSync(cache.file);
    } catch {
      return cache;
    }
    const vectorBytes = 4 * encoder.dimensions;
    let at = 0;
    while (at + 4 <= bytes.length) {
      const textBytes = bytes.readUInt32LE(at);
      const end = at + 4 + textBytes + vectorBytes;
      if (end > bytes.length) break;
      const text = bytes.toString('utf8', at + 4, at + 4 + textBytes);
      // A copy: the file's buffer is not 4-byte aligned at every record.
      const vector = new Float32Array(encoder.dimensions);
      new Uint8Array(vector.buffer).set(bytes.subarray(at + 4 + textBytes, end));
      cache.vectors.set(text, vector);
      at = end;
    }
    if (at < bytes.length) truncateSync(cache.file, at);
    return cache;
  }

  /** Vectors of `texts`; those not in the file are embedded in one batch and appended. */
  embed(texts: readonly string[]): Float32Array[] {
    const missing = [...new Set(texts.filter((t) => !this.vectors.has(t)))];
    if (missing.length > 0) {
      const fresh = this.encoder.embed(missing);
      const records: Buffer[] = [];
      missing.forEach((text, i) => {
        const vector = fresh[i] as Float32Array;
        this.vectors.set(text, vector);
        const textBytes = Buffer.from(text, 'utf8');
        const length = Buffer.alloc(4);
        length.writeUInt32LE(textBytes.length);
        records.push(length, textBytes, Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength));
      });
      const fd = openSync(this.file, 'a');
      try {
        writeSync(fd, Buffer.concat(records));
      } finally {
        closeSync(fd);
      }
    }
    return texts.map((t) => this.vectors.get(t) as Float32Array);
  }
}
