# Creates the order topics if missing and grows any with fewer partitions than PARTITIONS
# (Kafka cannot shrink a topic). Run by the chart's topics Job; idempotent. Environment:
# KAFKA_BROKERS, TOPICS, PARTITIONS, REPLICATION_FACTOR, TOPIC_CONFIGS, and KAFKA_BIN (the
# apache/kafka image's scripts by default).
set -euo pipefail
kafka_topics() { "${KAFKA_BIN:-/opt/kafka/bin}/kafka-topics.sh" --bootstrap-server "$KAFKA_BROKERS" "$@"; }
for topic in $TOPICS; do
  # shellcheck disable=SC2086 # TOPIC_CONFIGS is a list of --config arguments
  kafka_topics --create --if-not-exists --topic "$topic" --partitions "$PARTITIONS" \
    --replication-factor "$REPLICATION_FACTOR" $TOPIC_CONFIGS
  current=$(kafka_topics --describe --topic "$topic" | grep -c 'Partition: ')
  if [ "$current" -lt "$PARTITIONS" ]; then
    echo "growing $topic from $current to $PARTITIONS partitions"
    kafka_topics --alter --topic "$topic" --partitions "$PARTITIONS"
  fi
  echo "$topic: $(kafka_topics --describe --topic "$topic" | grep -c 'Partition: ') partitions"
done
