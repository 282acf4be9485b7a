// The schema lives in core, so agent.yaml's `privacy.retention` is validated with the rest of the agent.
export {
  DEFAULT_RETENTION,
  type RetentionCategory,
  type RetentionConfig,
  type RetentionConfigInput,
  RetentionConfigSchema,
  type RetentionDuration,
  RetentionDurationSchema,
  type RetentionPolicy,
  type RetentionPolicyInput,
  RetentionPolicySchema,
  retentionMs as durationMs,
} from '@visemo/core';
