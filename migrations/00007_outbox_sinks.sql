-- +goose Up
-- Outbox rows name their sink instead of copying it: the policy version and
-- the sink's index in its notify list. Secrets (webhook secret, PagerDuty
-- routing key, Slack URL) then live only in the policy, and the dispatcher
-- resolves the sink when it delivers.
--
-- sink_key identifies a destination (hex SHA-256 of kind, url and
-- routing_key, each followed by a newline: outbox.KeyOf). Delivery is fair
-- per destination (outbox_sinks holds at most one message in flight per
-- sink) and ordered per release and destination (a resolve never overtakes
-- its page).
ALTER TABLE outbox
    ADD COLUMN policy_version integer NOT NULL DEFAULT 0 CHECK (policy_version >= 0),
    ADD COLUMN sink_index     integer NOT NULL DEFAULT 0 CHECK (sink_index >= 0),
    ADD COLUMN sink_kind      text NOT NULL DEFAULT '',
    ADD COLUMN sink_key       text NOT NULL DEFAULT '',
    ADD COLUMN claims         bigint NOT NULL DEFAULT 0,
    ADD COLUMN dead_at        timestamptz;

-- Existing rows point at the newest policy version of their service that
-- holds the very same sink.
-- canaryjudge:allow update-rows fills only the columns added above; the previous release never reads them
UPDATE outbox o SET policy_version = m.version, sink_index = m.idx
FROM (SELECT DISTINCT ON (x.id) x.id, p.version, (e.ord - 1)::integer AS idx
      FROM outbox x
      JOIN policies p ON p.service = x.service AND jsonb_typeof(p.document -> 'notify') = 'array'
      CROSS JOIN LATERAL jsonb_array_elements(p.document -> 'notify') WITH ORDINALITY AS e(sink, ord)
      WHERE e.sink = x.sink
      ORDER BY x.id, p.version DESC, e.ord) m
WHERE o.id = m.id;

-- canaryjudge:allow update-rows fills only the columns added above; the previous release never reads them
UPDATE outbox SET
    sink_kind = coalesce(sink ->> 'kind', ''),
    sink_key = encode(sha256(convert_to(coalesce(sink ->> 'kind', '') || E'\n' || coalesce(sink ->> 'url', '') || E'\n' ||
                                        coalesce(sink ->> 'routing_key', '') || E'\n', 'UTF8')), 'hex');

-- A pending row whose sink is in no policy version cannot be delivered.
-- canaryjudge:allow update-rows dead-letters rows neither release can deliver any more once secrets leave the outbox
UPDATE outbox SET dead = true, dead_at = now(), last_error = 'migration 00007: its sink is in no stored policy version'
WHERE policy_version = 0 AND delivered_at IS NULL AND NOT dead;
-- canaryjudge:allow update-rows fills dead_at, a column added above
UPDATE outbox SET dead_at = coalesce(dead_at, next_attempt_at) WHERE dead;

-- Removing the copies of sink secrets is the point of this migration: a
-- canaryjudge release older than 00007 cannot run against this schema, so
-- canaryjudge itself is never rolled back across it (upgrade only).
-- canaryjudge:allow drop-column secrets must leave the outbox; canaryjudge is upgrade-only across 00007
ALTER TABLE outbox DROP COLUMN sink;

-- One row per destination: lease_until > now means a message to it is in
-- flight (held by message id holder); claims lock these rows FOR UPDATE
-- SKIP LOCKED, so replicas never deliver two messages to one sink at once.
CREATE TABLE outbox_sinks (
    sink_key    text PRIMARY KEY,
    kind        text NOT NULL DEFAULT '',
    lease_until timestamptz NOT NULL DEFAULT '-infinity',
    holder      bigint
);
INSERT INTO outbox_sinks (sink_key, kind) SELECT DISTINCT ON (sink_key) sink_key, sink_kind FROM outbox ORDER BY sink_key, id;

-- canaryjudge:allow drop-index replaced by outbox_pending below; canaryjudge is upgrade-only across 00007
DROP INDEX outbox_due;
-- Pending rows per destination and release, for the claim's order check.
CREATE INDEX outbox_pending ON outbox (sink_key, release_id, id) WHERE delivered_at IS NULL AND NOT dead;
-- The dead-letter listing, newest first.
CREATE INDEX outbox_dead ON outbox (id) WHERE dead;

-- +goose Down
DROP INDEX outbox_dead;
DROP INDEX outbox_pending;
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE delivered_at IS NULL AND NOT dead;
DROP TABLE outbox_sinks;
ALTER TABLE outbox ADD COLUMN sink jsonb;
UPDATE outbox o SET sink = p.document -> 'notify' -> o.sink_index
FROM policies p WHERE p.service = o.service AND p.version = o.policy_version;
UPDATE outbox SET sink = jsonb_build_object('kind', sink_kind) WHERE sink IS NULL OR jsonb_typeof(sink) <> 'object';
ALTER TABLE outbox ALTER COLUMN sink SET NOT NULL;
ALTER TABLE outbox DROP COLUMN policy_version, DROP COLUMN sink_index, DROP COLUMN sink_kind, DROP COLUMN sink_key,
    DROP COLUMN claims, DROP COLUMN dead_at;
