check_observability() { :; }
check_cleanup() { :; }
