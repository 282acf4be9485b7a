export { Downsampler, type DownsamplerOptions } from './capture/downsampler.js';
export {
  CAPTURE_FRAME_SAMPLES,
  CAPTURE_RATE,
  MICROPHONE_CONSTRAINTS,
  MicrophoneCapture,
  type MicrophoneCaptureOptions,
} from './capture/microphone.js';
export { CAPTURE_PROCESSOR_NAME, captureWorkletSource } from './capture/worklet-source.js';
export { VisemoClient, type VisemoClientOptions } from './client.js';
export { DEFAULT_RECONNECT, type ReconnectOptions, reconnectDelayMs } from './connection/backoff.js';
export type { TokenSource, WebSocketFactory, WebSocketLike } from './connection/server-connection.js';
export {
  type ConsentChoice,
  type ConsentState,
  type ErasureResult,
  httpOrigin,
  type MemoryFact,
  SubjectData,
  type SubjectExport,
} from './data/subject-data.js';
export { type Listener, TypedEmitter } from './emitter.js';
export type {
  ClientEvent,
  ClientEventType,
  ConnectionStatus,
  MicrophoneMode,
  SdkEvent,
  TranscriptEntry,
} from './events.js';
export { heardTime } from './playback/audio-clock.js';
export { type ReplyCue, ReplySequencer } from './playback/reply-sequencer.js';
export {
  DEFAULT_PLAYBACK_TIMING,
  PlaybackTimeline,
  type PlaybackTiming,
  pcm16ToFloat32,
  type ScheduledChunk,
} from './playback/timeline.js';
export {
  type AudioChunkEvent,
  type ClientMessage,
  type FeedbackRating,
  PROTOCOL_VERSION,
  parseServerEvent,
  type ServerEvent,
  type ServerEventType,
  type SessionStartedEvent,
  type TurnLatency,
} from './protocol.js';
