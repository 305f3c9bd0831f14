// Redis commands in CLIENT spans, but only under a traced request: with tracing off, or
// outside a request, the wrapper adds one check per command and nothing else.
import { activeRecordingSpan, SpanKind, withSpan } from "../../common/tracing.ts";
import type { Redis, RedisClient } from "./redis.ts";

const REDIS_SPAN = { kind: SpanKind.CLIENT, attributes: { "db.system.name": "redis" } };

export function traceRedis(redis: Redis): Redis {
  return {
    ...redis,
    run<T>(command: (client: RedisClient) => Promise<T>): Promise<T> {
      return activeRecordingSpan()
        ? withSpan("redis", REDIS_SPAN, () => redis.run(command))
        : redis.run(command);
    },
    send<T>(command: (client: RedisClient) => Promise<T>): Promise<T> {
      return activeRecordingSpan()
        ? withSpan("redis", REDIS_SPAN, () => redis.send(command))
        : redis.send(command);
    },
  };
}
