/** Protocol limits (docs/protocol.md, "Transport"). */
export { PROTOCOL_VERSION } from '@visemo/core';
export const MAX_TEXT_FRAME_BYTES = 64 * 1024;
export const MAX_BINARY_FRAME_BYTES = 256 * 1024;
export const MAX_TEXT_CHARS = 2000;
export const MIN_INPUT_SAMPLE_RATE = 8000;
export const MAX_INPUT_SAMPLE_RATE = 48000;
