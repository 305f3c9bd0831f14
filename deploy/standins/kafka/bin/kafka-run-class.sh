#!/bin/bash
# Runs a Kafka main class with the jars in /opt/kafka/libs: the broker logs to stdout, the
# command-line tools log warnings to stderr.
set -euo pipefail
log4j=/opt/kafka/config/tools-log4j2.properties
[ "$1" = kafka.Kafka ] && log4j=/opt/kafka/config/log4j2.properties
# shellcheck disable=SC2086 # the options are word lists
exec java ${KAFKA_HEAP_OPTS:--Xmx256m} ${KAFKA_OPTS:-} -Djava.awt.headless=true \
  -Dlog4j2.configurationFile="$log4j" -cp '/opt/kafka/libs/*' "$@"
