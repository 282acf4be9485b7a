-- Visemo storage, schema version 1.
--
-- Identifiable data (anything a person said, their voice, what the agent remembers of them) is
-- keyed by subject and stored only as ciphertext (`*_enc` columns: AES-256-GCM under the
-- subject's own data key, see subject_keys). Telemetry carries no text and no subject id, at most
-- a keyed pseudonym. Every timestamp is written by the application's clock.

-- A subject is a visitor: a random id, and optionally the embedding site's own id for them.
CREATE TABLE subjects (
  id uuid PRIMARY KEY,
  -- HMAC of the external id under the deployment's lookup key: finds the subject without storing
  -- the id in clear.
  external_ref bytea UNIQUE,
  external_id_enc bytea,
  created_at timestamptz NOT NULL
);

-- One random data key per subject, wrapped by a master key. Deleting the row (and rewriting the
-- table) is crypto-shredding: every ciphertext of the subject becomes unreadable.
CREATE TABLE subject_keys (
  subject_id uuid PRIMARY KEY REFERENCES subjects (id) ON DELETE CASCADE,
  master_key_id text NOT NULL,
  wrapped_key bytea NOT NULL,
  created_at timestamptz NOT NULL
);

-- Deployment-wide secrets (the pseudonym key), wrapped by a master key like the subject keys.
CREATE TABLE storage_secrets (
  name text PRIMARY KEY,
  master_key_id text NOT NULL,
  wrapped_secret bytea NOT NULL,
  created_at timestamptz NOT NULL
);

CREATE TABLE sessions (
  id uuid PRIMARY KEY,
  subject_id uuid NOT NULL REFERENCES subjects (id) ON DELETE CASCADE,
  agent text NOT NULL,
  started_at timestamptz NOT NULL,
  last_active_at timestamptz NOT NULL,
  ended_at timestamptz,
  end_reason text,
  -- Feature flags and experiment variants the session ran with.
  flags jsonb NOT NULL DEFAULT '{}',
  UNIQUE (id, subject_id)
);
CREATE INDEX sessions_subject ON sessions (subject_id);
CREATE INDEX sessions_agent_activity ON sessions (agent, last_active_at);

CREATE TABLE turns (
  id uuid PRIMARY KEY,
  session_id uuid NOT NULL,
  subject_id uuid NOT NULL,
  turn_index integer NOT NULL,
  started_at timestamptz NOT NULL,
  input_source text,
  user_text_enc bytea,
  reply_text_enc bytea,
  entities_enc bytea,
  intent text,
  confidence real,
  -- Milliseconds per hop, e.g. {"asrFinalMs": 120, "nluMs": 2}.
  latency jsonb NOT NULL DEFAULT '{}',
  -- Which provider answered each hop, e.g. {"asr": "grammar", "tts": "flite"}.
  providers jsonb NOT NULL DEFAULT '{}',
  answered_by text,
  answer_source text,
  interrupted boolean NOT NULL DEFAULT false,
  -- The pair, not the session alone: a turn cannot claim another subject's session.
  FOREIGN KEY (session_id, subject_id) REFERENCES sessions (id, subject_id) ON DELETE CASCADE,
  UNIQUE (session_id, turn_index)
);
CREATE INDEX turns_subject ON turns (subject_id);
CREATE INDEX turns_started ON turns (started_at);

CREATE TABLE audio_recordings (
  id uuid PRIMARY KEY,
  session_id uuid NOT NULL,
  subject_id uuid NOT NULL,
  turn_id uuid REFERENCES turns (id) ON DELETE SET NULL,
  role text NOT NULL CHECK (role IN ('user', 'agent')),
  sample_rate integer NOT NULL,
  samples integer NOT NULL,
  -- PCM16 little-endian, mono.
  pcm_enc bytea NOT NULL,
  created_at timestamptz NOT NULL,
  FOREIGN KEY (session_id, subject_id) REFERENCES sessions (id, subject_id) ON DELETE CASCADE
);
-- Ciphertext does not compress: keep TOAST from trying.
ALTER TABLE audio_recordings ALTER COLUMN pcm_enc SET STORAGE EXTERNAL;
CREATE INDEX audio_recordings_subject ON audio_recordings (subject_id);
CREATE INDEX audio_recordings_session ON audio_recordings (session_id);
CREATE INDEX audio_recordings_created ON audio_recordings (created_at);

CREATE TABLE memory_facts (
  subject_id uuid NOT NULL REFERENCES subjects (id) ON DELETE CASCADE,
  -- HMAC of the key under the subject's data key: a key such as "allergy" says something itself.
  key_ref bytea NOT NULL,
  key_enc bytea NOT NULL,
  value_enc bytea NOT NULL,
  agent text NOT NULL,
  source_turn_id uuid REFERENCES turns (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (subject_id, key_ref)
);
CREATE INDEX memory_facts_agent_updated ON memory_facts (agent, updated_at);

-- Append-only: each grant or withdrawal is a new row; the last one per category wins.
CREATE TABLE consent_records (
  id bigserial PRIMARY KEY,
  subject_id uuid NOT NULL REFERENCES subjects (id) ON DELETE CASCADE,
  category text NOT NULL CHECK (category IN ('transcripts', 'audio', 'memory')),
  state text NOT NULL CHECK (state IN ('granted', 'withdrawn')),
  policy_version text NOT NULL,
  actor text NOT NULL,
  recorded_at timestamptz NOT NULL
);
CREATE INDEX consent_records_latest ON consent_records (subject_id, category, id DESC);

-- Per-turn telemetry for aggregates: no text, no subject or session id.
CREATE TABLE turn_telemetry (
  id bigserial PRIMARY KEY,
  agent text NOT NULL,
  subject_pseudonym text,
  occurred_at timestamptz NOT NULL,
  input_source text,
  intent text,
  confidence real,
  latency jsonb NOT NULL DEFAULT '{}',
  providers jsonb NOT NULL DEFAULT '{}',
  answered_by text,
  answer_source text,
  interrupted boolean NOT NULL DEFAULT false
);
CREATE INDEX turn_telemetry_agent_time ON turn_telemetry (agent, occurred_at);
CREATE INDEX turn_telemetry_pseudonym ON turn_telemetry (subject_pseudonym) WHERE subject_pseudonym IS NOT NULL;

-- Who did what to whose data, when. Subjects appear only as pseudonyms; details hold counts and
-- identifiers, never personal text.
CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  subject_pseudonym text,
  details jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_pseudonym ON audit_log (subject_pseudonym) WHERE subject_pseudonym IS NOT NULL;

-- History is not rewritten: rows may be deleted (erasure, retention) but never changed.
CREATE FUNCTION visemo_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END
$$;
CREATE TRIGGER consent_records_append_only BEFORE UPDATE ON consent_records
  FOR EACH ROW EXECUTE FUNCTION visemo_refuse_update();
CREATE TRIGGER audit_log_append_only BEFORE UPDATE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION visemo_refuse_update();
