check_faults() { :; }
check_restart_policy() { :; }
check_scale() { :; }
check_restart_with_data() { :; }
