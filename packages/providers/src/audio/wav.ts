import type { PcmAudio } from '@visemo/core';
import { ErrorCode, VisemoError } from '@visemo/core';

/** A 44-byte-header RIFF/WAVE file holding mono PCM16. */
export function encodeWav(audio: PcmAudio): Uint8Array<ArrayBuffer> {
  const dataBytes = audio.samples.length * 2;
  const out = new Uint8Array(44 + dataBytes);
  const view = new DataView(out.buffer);
  const ascii = (offset: number, text: string) => {
    for (let i = 0; i < text.length; i++) out[offset + i] = text.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, audio.sampleRate, true);
  view.setUint32(28, audio.sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, dataBytes, true);
  for (let i = 0; i < audio.samples.length; i++) view.setInt16(44 + i * 2, audio.samples[i] as number, true);
  return out;
}

/**
 * Reads a WAV file with 16-bit integer or 32-bit float PCM, any channel count (mixed to mono). Chunks
 * other than `fmt ` and `data` are skipped; a streamed WAV's 0xFFFFFFFF data size means "to the end".
 */
export function decodeWav(bytes: Uint8Array): PcmAudio {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (offset: number) => String.fromCharCode(...bytes.subarray(offset, offset + 4));
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') {
    throw new VisemoError(ErrorCode.BadAudio, 'not a RIFF/WAVE file');
  }
  let offset = 12;
  let format = 0;
  let channels = 1;
  let sampleRate = 0;
  let bits = 16;
  while (offset + 8 <= bytes.length) {
    const id = tag(offset);
    let size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      format = view.getUint16(body, true);
      channels = view.getUint16(body + 2, true);
      sampleRate = view.getUint32(body + 4, true);
      bits = view.getUint16(body + 14, true);
      // WAVE_FORMAT_EXTENSIBLE: the real format is the sub-format GUID's first two bytes.
      if (format === 0xfffe && size >= 26) format = view.getUint16(body + 24, true);
    } else if (id === 'data') {
      if (size === 0xffffffff || body + size > bytes.length) size = bytes.length - body;
      const frames = Math.floor(size / ((bits / 8) * channels));
      const samples = new Int16Array(frames);
      for (let f = 0; f < frames; f++) {
        let sum = 0;
        for (let c = 0; c < channels; c++) {
          const at = body + (f * channels + c) * (bits / 8);
          if (format === 1 && bits === 16) sum += view.getInt16(at, true);
          else if (format === 3 && bits === 32) sum += view.getFloat32(at, true) * 32767;
          else throw new VisemoError(ErrorCode.BadAudio, `unsupported WAV format ${format}/${bits}-bit`);
        }
        samples[f] = Math.max(-32768, Math.min(32767, Math.round(sum / channels)));
      }
      if (sampleRate === 0) throw new VisemoError(ErrorCode.BadAudio, 'WAV data before its fmt chunk');
      return { samples, sampleRate };
    }
    offset = body + size + (size % 2);
  }
  throw new VisemoError(ErrorCode.BadAudio, 'WAV file without a data chunk');
}

/** Raw little-endian signed 16-bit mono PCM. An odd trailing byte is dropped. */
export function decodePcm16(bytes: Uint8Array, sampleRate: number): PcmAudio {
  const frames = Math.floor(bytes.length / 2);
  const samples = new Int16Array(frames);
  const view = new DataView(bytes.buffer, bytes.byteOffset, frames * 2);
  for (let i = 0; i < frames; i++) samples[i] = view.getInt16(i * 2, true);
  return { samples, sampleRate };
}
