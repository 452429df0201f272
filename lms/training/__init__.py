"""Training operations: sites, cohorts, enrolments."""
