import { ErrorCode, type PcmAudio, VisemoError } from '@visemo/core';

/**
 * RIFF/WAVE reading and writing. Reading accepts what recorders and TTS engines actually write —
 * integer PCM of 8, 16, 24 or 32 bits, IEEE float of 32 or 64 bits, any channel count, plain or
 * WAVE_FORMAT_EXTENSIBLE — and gives mono PCM16 (channels averaged). Everything else is a
 * `bad_audio` VisemoError saying what the file is.
 */

const ACCEPTED =
  'accepted: RIFF/WAVE with integer PCM (8, 16, 24 or 32 bits) or IEEE float (32 or 64 bits) samples, any channel count';

const FORMAT_PCM = 0x0001;
const FORMAT_FLOAT = 0x0003;
const FORMAT_EXTENSIBLE = 0xfffe;

/** Names of the WAVE format tags people meet, for error messages. */
const FORMAT_NAMES: Record<number, string> = {
  2: 'Microsoft ADPCM',
  6: 'A-law',
  7: 'mu-law',
  17: 'IMA ADPCM',
  49: 'GSM 6.10',
  80: 'MPEG',
  85: 'MP3',
  353: 'WMA',
  5648: 'AAC',
  61868: 'FLAC',
};

function badAudio(what: string): VisemoError {
  return new VisemoError(ErrorCode.BadAudio, `${what}; ${ACCEPTED}`);
}

function ascii(bytes: Uint8Array, offset: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(offset, offset + length));
}

/** A guess at what a non-WAVE file is, from its first bytes. */
function describeContainer(bytes: Uint8Array): string {
  if (bytes.length < 12) return `not a WAVE file: only ${bytes.length} bytes`;
  const magic = ascii(bytes, 0, 4);
  if (magic === 'OggS') return 'not a WAVE file: an Ogg stream (Opus or Vorbis)';
  if (magic === 'fLaC') return 'not a WAVE file: FLAC';
  if (magic === 'RF64') return 'not a plain WAVE file: RF64';
  if (magic === 'FORM') return 'not a WAVE file: AIFF';
  if (ascii(bytes, 4, 4) === 'ftyp') return 'not a WAVE file: an MP4/M4A container';
  if (magic.startsWith('ID3') || (bytes[0] === 0xff && ((bytes[1] ?? 0) & 0xe0) === 0xe0)) {
    return 'not a WAVE file: MP3';
  }
  if (bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3) {
    return 'not a WAVE file: WebM/Matroska';
  }
  if (magic === 'RIFF') return `a RIFF file of type "${ascii(bytes, 8, 4)}", not WAVE`;
  return 'not a WAVE file (no RIFF header)';
}

interface WaveFormat {
  format: number;
  channels: number;
  sampleRate: number;
  blockAlign: number;
  bitsPerSample: number;
}

function readFormat(view: DataView, offset: number, size: number): WaveFormat {
  if (size < 16) throw badAudio(`a WAVE file with a ${size}-byte fmt chunk (at least 16 expected)`);
  let format = view.getUint16(offset, true);
  const channels = view.getUint16(offset + 2, true);
  const sampleRate = view.getUint32(offset + 4, true);
  const blockAlign = view.getUint16(offset + 12, true);
  const bitsPerSample = view.getUint16(offset + 14, true);
  if (format === FORMAT_EXTENSIBLE) {
    if (size < 40) throw badAudio('a WAVE_FORMAT_EXTENSIBLE file whose fmt chunk is too short');
    // The sub-format GUID starts with the plain format tag.
    format = view.getUint16(offset + 24, true);
  }
  return { format, channels, sampleRate, blockAlign, bitsPerSample };
}

function checkFormat(f: WaveFormat): void {
  if (f.format !== FORMAT_PCM && f.format !== FORMAT_FLOAT) {
    const name = FORMAT_NAMES[f.format] ?? `format tag 0x${f.format.toString(16).padStart(4, '0')}`;
    throw badAudio(`a WAVE file encoded as ${name}`);
  }
  if (f.format === FORMAT_PCM && ![8, 16, 24, 32].includes(f.bitsPerSample)) {
    throw badAudio(`a WAVE file with ${f.bitsPerSample}-bit integer PCM`);
  }
  if (f.format === FORMAT_FLOAT && f.bitsPerSample !== 32 && f.bitsPerSample !== 64) {
    throw badAudio(`a WAVE file with ${f.bitsPerSample}-bit float samples`);
  }
  if (f.channels === 0) throw badAudio('a WAVE file with 0 channels');
  if (f.sampleRate === 0) throw badAudio('a WAVE file with a sample rate of 0 Hz');
  if (f.blockAlign < (f.channels * f.bitsPerSample) / 8) {
    throw badAudio(`a WAVE file whose block size (${f.blockAlign} bytes) is smaller than one frame`);
  }
}

/** One sample at `offset` as a float in [-1, 1). */
function sampleReader(f: WaveFormat, view: DataView): (offset: number) => number {
  if (f.format === FORMAT_FLOAT) {
    return f.bitsPerSample === 32 ? (o) => view.getFloat32(o, true) : (o) => view.getFloat64(o, true);
  }
  switch (f.bitsPerSample) {
    case 8:
      return (o) => (view.getUint8(o) - 128) / 128;
    case 16:
      return (o) => view.getInt16(o, true) / 32768;
    case 24:
      return (o) => ((view.getUint8(o + 2) << 24) | (view.getUint16(o, true) << 8)) / 2147483648;
    default:
      return (o) => view.getInt32(o, true) / 2147483648;
  }
}

function toInt16(x: number): number {
  const v = Math.round(x * 32768);
  return Math.min(32767, Math.max(-32768, v));
}

/** Decodes a WAVE file to mono PCM16 at the file's own sample rate. */
export function readWav(bytes: Uint8Array): PcmAudio {
  if (bytes.length < 12 || ascii(bytes, 0, 4) !== 'RIFF' || ascii(bytes, 8, 4) !== 'WAVE') {
    throw badAudio(describeContainer(bytes));
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let format: WaveFormat | undefined;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = ascii(bytes, offset, 4);
    const declared = view.getUint32(offset + 4, true);
    const body = offset + 8;
    const available = bytes.length - body;
    if (id === 'fmt ') {
      if (declared > available) throw badAudio('a truncated WAVE file (the fmt chunk is cut off)');
      format = readFormat(view, body, declared);
      checkFormat(format);
    } else if (id === 'data') {
      if (!format) throw badAudio('a WAVE file whose data chunk comes before its fmt chunk');
      // Streaming writers leave 0 or 0xFFFFFFFF here and never come back to fill it in.
      const placeholder = declared === 0 || declared === 0xffffffff;
      if (!placeholder && declared > available) {
        throw badAudio(
          `a truncated WAVE file (the data chunk declares ${declared} bytes, ${available} are present)`,
        );
      }
      return decode(format, view, body, placeholder ? available : declared);
    }
    offset = body + declared + (declared % 2);
  }
  throw badAudio(format ? 'a WAVE file without a data chunk' : 'a truncated WAVE file (no fmt chunk)');
}

function decode(f: WaveFormat, view: DataView, start: number, size: number): PcmAudio {
  const frames = Math.floor(size / f.blockAlign);
  const samples = new Int16Array(frames);
  const read = sampleReader(f, view);
  const step = f.bitsPerSample / 8;
  if (f.channels === 1 && f.format === FORMAT_PCM && f.bitsPerSample === 16) {
    for (let i = 0; i < frames; i++) samples[i] = view.getInt16(start + i * f.blockAlign, true);
    return { samples, sampleRate: f.sampleRate };
  }
  for (let i = 0; i < frames; i++) {
    const frame = start + i * f.blockAlign;
    let sum = 0;
    for (let c = 0; c < f.channels; c++) sum += read(frame + c * step);
    samples[i] = toInt16(sum / f.channels);
  }
  return { samples, sampleRate: f.sampleRate };
}

/** Encodes mono PCM16 as a 44-byte-header RIFF/WAVE file. */
export function writeWav(audio: PcmAudio): Uint8Array<ArrayBuffer> {
  const dataBytes = audio.samples.length * 2;
  const out = new Uint8Array(44 + dataBytes);
  const view = new DataView(out.buffer);
  const tag = (offset: number, text: string) => {
    for (let i = 0; i < 4; i++) out[offset + i] = text.charCodeAt(i);
  };
  tag(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  tag(8, 'WAVE');
  tag(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, FORMAT_PCM, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, audio.sampleRate, true);
  view.setUint32(28, audio.sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  tag(36, 'data');
  view.setUint32(40, dataBytes, true);
  for (let i = 0; i < audio.samples.length; i++) view.setInt16(44 + i * 2, audio.samples[i] as number, true);
  return out;
}
