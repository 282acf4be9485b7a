-- What a turn's debugger shows beyond the row's own columns: the NLU's intent ranking, how sure the
-- recognizer was, the flow step that answered, the reply's expressions and viseme track and the
-- voice that spoke it (docs/studio.md). JSON, sealed with the subject's key like the texts: the
-- track follows the reply's words. It goes with the texts when they go (clearTranscripts).
ALTER TABLE turns ADD COLUMN details_enc bytea;
