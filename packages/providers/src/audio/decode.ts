import type { PcmAudio } from '@visemo/core';
import { ErrorCode, PIPELINE_SAMPLE_RATE, VisemoError } from '@visemo/core';
import { readWav, resample } from '@visemo/speech';

/** Encoded audio formats the TTS providers answer with. `pcm` needs its sample rate. */
export type EncodedAudioFormat =
  | { type: 'pcm'; sampleRate: number }
  | { type: 'wav' }
  | { type: 'mp3' }
  | { type: 'opus' };

/**
 * Decodes a whole TTS answer to mono PCM16 at `targetRate` (16 kHz by default). MP3 goes through
 * mpg123 and Ogg Opus through libopus, both compiled to WebAssembly (mpg123-decoder,
 * ogg-opus-decoder); raw PCM is read here, WAV by `readWav` of `@visemo/speech`.
 */
export async function decodeAudio(
  bytes: Uint8Array,
  format: EncodedAudioFormat,
  targetRate: number = PIPELINE_SAMPLE_RATE,
): Promise<PcmAudio> {
  let decoded: PcmAudio;
  switch (format.type) {
    case 'pcm':
      decoded = decodePcm16(bytes, format.sampleRate);
      break;
    case 'wav':
      decoded = readWav(bytes);
      break;
    case 'mp3': {
      const { MPEGDecoder } = await import('mpg123-decoder');
      const decoder = new MPEGDecoder();
      await decoder.ready;
      try {
        const result = decoder.decode(bytes);
        decoded = checkDecoded(result, 'MP3');
      } finally {
        decoder.free();
      }
      break;
    }
    case 'opus': {
      const { OggOpusDecoder } = await import('ogg-opus-decoder');
      const decoder = new OggOpusDecoder();
      await decoder.ready;
      try {
        const result = await decoder.decodeFile(bytes);
        decoded = checkDecoded(result, 'Ogg Opus');
      } finally {
        decoder.free();
      }
      break;
    }
  }
  return resample(decoded, targetRate);
}

/** Raw little-endian signed 16-bit mono PCM. An odd trailing byte is dropped. */
export function decodePcm16(bytes: Uint8Array, sampleRate: number): PcmAudio {
  const frames = Math.floor(bytes.length / 2);
  const samples = new Int16Array(frames);
  const view = new DataView(bytes.buffer, bytes.byteOffset, frames * 2);
  for (let i = 0; i < frames; i++) samples[i] = view.getInt16(i * 2, true);
  return { samples, sampleRate };
}

/** Float samples in [-1, 1] (one channel or the mean of several) → PCM16. */
function floatToPcm16(channels: readonly Float32Array[], frames: number): Int16Array {
  const out = new Int16Array(frames);
  const n = channels.length || 1;
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    for (const c of channels) sum += c[i] ?? 0;
    const v = sum / n;
    out[i] = Math.max(-32768, Math.min(32767, Math.round(v < 0 ? v * 32768 : v * 32767)));
  }
  return out;
}

function checkDecoded(
  result: { channelData: Float32Array[]; samplesDecoded: number; sampleRate: number },
  what: string,
): PcmAudio {
  if (result.samplesDecoded === 0 || result.sampleRate === 0) {
    throw new VisemoError(ErrorCode.BadAudio, `the ${what} data held no decodable audio`);
  }
  return { samples: floatToPcm16(result.channelData, result.samplesDecoded), sampleRate: result.sampleRate };
}
