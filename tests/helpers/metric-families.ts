// The metric families the operators rely on (issue: exact names), for the tests.
export const API_FAMILIES = [
  "http_requests_total",
  "http_request_duration_seconds",
  "orders_created_total",
  "outbox_pending_events",
  "outbox_oldest_pending_age_seconds",
  "outbox_published_total",
  "outbox_publish_failures_total",
  "outbox_parked_events",
  "rate_limit_rejected_total",
  "order_cache_requests_total",
  "password_hash_queue_depth",
  "password_hash_duration_seconds",
  "db_pool_connections",
  "process_cpu_seconds_total",
  "process_resident_memory_bytes",
  "nodejs_eventloop_lag_seconds",
];
export const WORKER_FAMILIES = [
  "worker_records_total",
  "worker_events_total",
  "worker_record_duration_seconds",
  "worker_consumer_lag",
  "worker_in_flight",
  "worker_paused",
  "process_cpu_seconds_total",
  "process_resident_memory_bytes",
];
