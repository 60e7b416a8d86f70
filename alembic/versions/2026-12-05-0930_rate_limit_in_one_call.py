"""The rate limit's count on PostgreSQL in one call

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05 09:30:00

`rate_limit_hit(key, per_minute, prune)` counts one request of a caller in its row of
`rate_limit_window` and answers the seconds to wait (0: the request may proceed). It was a transaction
of three round trips from the application (lock the row and read it, write it back, commit), on every
request of every PostgreSQL deployment without Redis; as one statement on a connection without a
transaction it is one. The arithmetic is `app.services.rate_limit.DatabaseWindow`'s, unchanged: a row
holds `[moment, requests]` pairs, one per second of the last 60 (a bare moment, as rows written by
earlier versions hold them, counts as one request); a second's requests leave the window
together, when its last one is 60 s old; moments are the database's clock, read once the row is locked,
so they only ever increase. Its commit does not wait for the disk (`synchronous_commit` off, for that
statement's transaction alone): a crash forgets at most the last moments counted, never a record.
`prune` also deletes the rows of callers idle a whole window, skipping rows another call holds.

SQLite counts in the process's memory (one process serves the file): nothing to do there.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RATE_LIMIT_HIT = """
CREATE FUNCTION rate_limit_hit(caller text, per_minute integer, prune boolean)
RETURNS double precision LANGUAGE plpgsql AS $$
DECLARE
    stored text;
    now_s double precision;
    item jsonb;
    at double precision;
    requests integer;
    seconds jsonb := '[]'::jsonb;
    counted integer := 0;
    last jsonb;
    wait_s double precision;
BEGIN
    PERFORM set_config('synchronous_commit', 'off', true);
    INSERT INTO rate_limit_window AS w (key, hits, expires_at) VALUES (caller, '[]', 0)
    ON CONFLICT (key) DO UPDATE SET key = EXCLUDED.key
    RETURNING w.hits INTO stored;
    now_s := extract(epoch FROM clock_timestamp());  -- once the row is ours
    FOR item IN SELECT value FROM jsonb_array_elements(coalesce(nullif(stored, ''), '[]')::jsonb) LOOP
        IF jsonb_typeof(item) = 'array' THEN
            at := (item->>0)::double precision;
            requests := (item->>1)::integer;
        ELSE
            at := item::text::double precision;
            requests := 1;
        END IF;
        IF at > now_s - 60 THEN
            seconds := seconds || jsonb_build_array(jsonb_build_array(at, requests));
            counted := counted + requests;
        END IF;
    END LOOP;
    IF counted >= per_minute THEN
        wait_s := coalesce((seconds->0->>0)::double precision + 60 - now_s, 60);
    ELSE
        wait_s := 0;
        last := seconds->-1;
        IF last IS NOT NULL AND floor((last->>0)::double precision) = floor(now_s) THEN
            seconds := jsonb_set(seconds, '{-1}', jsonb_build_array(now_s, (last->>1)::integer + 1));
        ELSE
            seconds := seconds || jsonb_build_array(jsonb_build_array(now_s, 1));
        END IF;
    END IF;
    UPDATE rate_limit_window
    SET hits = seconds::text, expires_at = coalesce((seconds->-1->>0)::double precision + 60, now_s)
    WHERE key = caller;
    IF prune THEN  -- rows another call is counting are skipped, never waited for: no two prunes deadlock
        DELETE FROM rate_limit_window WHERE key IN (
            SELECT key FROM rate_limit_window WHERE expires_at < now_s AND key <> caller
            FOR UPDATE SKIP LOCKED
        );
    END IF;
    RETURN wait_s;
END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(RATE_LIMIT_HIT)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS rate_limit_hit(text, integer, boolean)")
