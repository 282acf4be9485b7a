import type { PcmAudio } from '@visemo/core';
import { ErrorCode, PIPELINE_SAMPLE_RATE, VisemoError } from '@visemo/core';
import { floatToPcm16, resample } from './resample.js';
import { decodePcm16, decodeWav } from './wav.js';

/** Encoded audio formats the TTS providers answer with. `pcm` needs its sample rate. */
export type EncodedAudioFormat =
  | { type: 'pcm'; sampleRate: number }
  | { type: 'wav' }
  | { type: 'mp3' }
  | { type: 'opus' };

/**
 * Decodes a whole TTS answer to mono PCM16 at `targetRate` (16 kHz by default). MP3 goes through
 * mpg123 and Ogg Opus through libopus, both compiled to WebAssembly (mpg123-decoder,
 * ogg-opus-decoder); WAV and raw PCM are read here.
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
      decoded = decodeWav(bytes);
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

function checkDecoded(
  result: { channelData: Float32Array[]; samplesDecoded: number; sampleRate: number },
  what: string,
): PcmAudio {
  if (result.samplesDecoded === 0 || result.sampleRate === 0) {
    throw new VisemoError(ErrorCode.BadAudio, `the ${what} data held no decodable audio`);
  }
  return { samples: floatToPcm16(result.channelData, result.samplesDecoded), sampleRate: result.sampleRate };
}
