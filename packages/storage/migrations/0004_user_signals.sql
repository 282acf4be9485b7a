-- User signals and what drift detection compares: the person's rating of an answer, whether the
-- recognizer rejected their speech, whether the dialogue handed them to a person, and the
-- session's flag variants on each telemetry row. None of it is text or identifies anyone.

-- 'up' or 'down' as the person rated the answer; the last rating wins.
ALTER TABLE turns ADD COLUMN feedback text CHECK (feedback IN ('up', 'down'));
ALTER TABLE turns ADD COLUMN feedback_at timestamptz;
-- Speech the recognizer heard but matched to nothing it knows (the agent asked to rephrase).
ALTER TABLE turns ADD COLUMN asr_rejected boolean NOT NULL DEFAULT false;
ALTER TABLE turns ADD COLUMN handed_off boolean NOT NULL DEFAULT false;
-- The turn's telemetry row, so a later rating or barge-in reaches it. The link runs from the
-- subject's turn to the telemetry, never back: erasing the turn leaves the telemetry unlinked.
ALTER TABLE turns ADD COLUMN telemetry_id bigint;

ALTER TABLE turn_telemetry ADD COLUMN feedback text CHECK (feedback IN ('up', 'down'));
ALTER TABLE turn_telemetry ADD COLUMN asr_rejected boolean NOT NULL DEFAULT false;
ALTER TABLE turn_telemetry ADD COLUMN handed_off boolean NOT NULL DEFAULT false;
-- Flag name → the variant the session ran with, e.g. {"renderer3d": "on", "model.nlu": "3"}.
ALTER TABLE turn_telemetry ADD COLUMN flags jsonb NOT NULL DEFAULT '{}';
