// The Kafka topics of the event registry (registry.ts). Each topic has a dead-letter topic of
// its own, where the worker puts the records it cannot process (dead-letter.ts).
export interface Topic {
  name: string;
  /** Where the worker sends this topic's records it cannot process. */
  dlq: string;
  partitions: number;
  description: string;
}

export const TOPICS = {
  newOrder: {
    name: "new_order",
    dlq: "new_order.dlq",
    partitions: 3,
    description: "One record per order created, as the original service published it.",
  },
  orderEvents: {
    name: "order_events",
    dlq: "order_events.dlq",
    partitions: 3,
    description: "An order's life after its creation: one record per status change, keyed " +
      "by order id so that one order's events stay in order.",
  },
} as const satisfies Record<string, Topic>;
