export type { AudioStore } from './audio.js';
export type {
  AuditAction,
  AuditDetails,
  AuditEntry,
  AuditEntryInput,
  AuditLog,
  AuditQuery,
  AuditValue,
} from './audit-log.js';
export type { ConsentChange, ConsentLedger, ConsentSnapshot } from './consent.js';
export { generateMasterKey } from './crypto/master-keys.js';
export type { Database, Queryable, QueryResult, Row } from './database.js';
export type { ErasureOptions, ErasureReport } from './erasure.js';
export type { MemoryFactInput, MemoryStore } from './memory.js';
export { loadMigrations, type Migration, type MigrationReport, migrate } from './migrations.js';
export {
  type ModelArtifactInput,
  type ModelPromotion,
  ModelRegistry,
  type ModelVersion,
  promotionStack,
  type Registration,
  type RegistryJson,
} from './model-registry.js';
export { type PeriodicJob, type PeriodicJobOptions, startPeriodicJob } from './periodic-job.js';
export {
  type Actor,
  type AudioInput,
  CONSENT_CATEGORIES,
  type ConsentCategory,
  type ConsentState,
  type MemoryFact,
  type ReadOptions,
  type SessionRef,
  type StoredAudio,
  type StoredSession,
  type StoredSubject,
  type StoredTurn,
  type TurnDetails,
  type TurnEntity,
  type TurnFeedback,
  type TurnInput,
} from './records.js';
export type { AgentPurge, PurgeReport, RetentionJob, RetentionJobOptions } from './retention.js';
export {
  DEFAULT_RETENTION,
  durationMs,
  type RetentionCategory,
  type RetentionConfig,
  type RetentionConfigInput,
  RetentionConfigSchema,
  type RetentionDuration,
  RetentionDurationSchema,
  type RetentionPolicy,
  type RetentionPolicyInput,
  RetentionPolicySchema,
} from './retention-policy.js';
export type { SessionStore, StartSessionInput } from './sessions.js';
export { openStorage, Storage, type StorageOptions } from './storage.js';
export { type StoredUsage, storedUsage } from './stored-usage.js';
export type {
  ExportedAudio,
  ExportedAuditEntry,
  ExportedConsent,
  ExportedMemoryFact,
  ExportedSession,
  ExportedTelemetry,
  ExportedTurn,
  ExportOptions,
  SubjectExport,
} from './subject-export.js';
export type { EnsureSubjectOptions, SubjectStore } from './subjects.js';
export {
  CONFIDENCE_BINS,
  type SignalQuery,
  type TelemetryQuery,
  type TelemetryStore,
  type TelemetrySummary,
  type WindowSignals,
} from './telemetry.js';
export type { ReviewQuery, ReviewTurn, TranscriptReview } from './transcript-review.js';
