"""Federation with the national hub: the outbox, sync runs, shared resources."""
