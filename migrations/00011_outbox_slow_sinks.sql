-- +goose Up
-- Fair delivery behind hung sinks (issue 20): a sink whose last failed
-- attempt hung (ran past the dispatcher's fast budget) is claimed only into
-- the dispatcher's slow slots until an attempt to it succeeds or fails fast,
-- so any number of dead sinks never holds the slots of sinks that answer.
-- A new column with a constant default: the previous release never reads it.
ALTER TABLE outbox_sinks ADD COLUMN slow boolean NOT NULL DEFAULT false;

-- +goose Down
-- canaryjudge:allow drop-column removes only the column added above, which the previous release never reads
ALTER TABLE outbox_sinks DROP COLUMN slow;
