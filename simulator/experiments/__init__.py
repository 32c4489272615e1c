"""Running replications: chunks of replications in local processes, gathered in order."""
