/** Protocol version 1's number and limits (docs/protocol.md, "Transport"). */
export const PROTOCOL_VERSION = 1;
export const MAX_TEXT_FRAME_BYTES = 64 * 1024;
export const MAX_BINARY_FRAME_BYTES = 256 * 1024;
/** Typed text, after trimming. */
export const MAX_TEXT_CHARS = 2000;
/** The rates a client may declare for its microphone audio; the server resamples them. */
export const MIN_INPUT_SAMPLE_RATE = 8000;
export const MAX_INPUT_SAMPLE_RATE = 48000;
/** A participant's display name, after trimming. */
export const MAX_PARTICIPANT_NAME_CHARS = 40;
