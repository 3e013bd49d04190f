-- +goose Up
-- Fair delivery behind hung sinks (issue 20): a sink whose last failed
-- attempt hung (ran past the dispatcher's fast budget) is claimed only into
-- the dispatcher's slow slots until an attempt to it succeeds or fails fast,
-- so any number of dead sinks never holds the slots of sinks that answer.
-- A sink whose last attempt succeeded (ok) is claimed as if it had waited 5
-- seconds longer than it has, so sinks never tried yet (which may hang) do
-- not keep a sink that answers waiting; new sinks now start idle from when
-- they were first paged, not from -infinity.
-- New columns with constant defaults: the previous release never reads them.
ALTER TABLE outbox_sinks ADD COLUMN slow boolean NOT NULL DEFAULT false,
    ADD COLUMN ok boolean NOT NULL DEFAULT false;

-- +goose Down
-- canaryjudge:allow drop-column removes only the columns added above, which the previous release never reads
ALTER TABLE outbox_sinks DROP COLUMN slow, DROP COLUMN ok;
