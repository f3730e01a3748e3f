-- Tasks of MCP's Tasks extension (host/internal/tasks): tool calls that do
-- long work, kept where every instance sees them. status is working,
-- input_required, completed, failed or cancelled; runner is the instance
-- running a working task and heartbeat_ms when it last said so; version
-- guards every update (compare-and-set). Times are Unix milliseconds. Rows
-- may be deleted after expires_ms, unless the task is still running.
-- +goose Up
CREATE TABLE tasks (
    id           TEXT    NOT NULL PRIMARY KEY,
    subject      TEXT    NOT NULL,
    organization TEXT    NOT NULL,
    tool         TEXT    NOT NULL,
    request      TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    message      TEXT    NOT NULL,
    input_json   TEXT,
    result_json  TEXT,
    error_json   TEXT,
    may_write    BOOLEAN NOT NULL,
    created_ms   BIGINT  NOT NULL,
    updated_ms   BIGINT  NOT NULL,
    expires_ms   BIGINT  NOT NULL,
    runner       TEXT    NOT NULL,
    heartbeat_ms BIGINT  NOT NULL,
    version      BIGINT  NOT NULL
);
CREATE INDEX tasks_expiry ON tasks (expires_ms);

-- +goose Down
DROP TABLE tasks;
