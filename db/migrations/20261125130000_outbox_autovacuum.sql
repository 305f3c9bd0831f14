-- migrate:up
-- The outbox is a queue: every order adds a row that is claimed (an update) and marked sent
-- (another) within milliseconds, so each order leaves two dead entries in outbox_pending_idx,
-- which the relay's claim walks from its oldest end. With the default autovacuum trigger (20 %
-- of the table, which keeps 7 days of sent rows) those entries pile up to hundreds of thousands:
-- a claim read the whole 6.9 MB index (846 pages, 13.6 ms) with no row pending, and 0.1 ms
-- after a VACUUM (bench/PROFILE.md). Vacuum after a fixed number of changes instead.
alter table outbox set (
  autovacuum_vacuum_scale_factor = 0,
  autovacuum_vacuum_threshold = 5000,
  autovacuum_vacuum_insert_scale_factor = 0,
  autovacuum_vacuum_insert_threshold = 20000,
  autovacuum_analyze_scale_factor = 0,
  autovacuum_analyze_threshold = 20000
);

-- migrate:down
alter table outbox reset (
  autovacuum_vacuum_scale_factor,
  autovacuum_vacuum_threshold,
  autovacuum_vacuum_insert_scale_factor,
  autovacuum_vacuum_insert_threshold,
  autovacuum_analyze_scale_factor,
  autovacuum_analyze_threshold
);
