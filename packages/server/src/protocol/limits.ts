/** Protocol limits (docs/protocol.md, "Transport"): defined in core, shared with the browser SDK. */
export {
  MAX_BINARY_FRAME_BYTES,
  MAX_INPUT_SAMPLE_RATE,
  MAX_TEXT_CHARS,
  MAX_TEXT_FRAME_BYTES,
  MIN_INPUT_SAMPLE_RATE,
  PROTOCOL_VERSION,
} from '@visemo/core';
