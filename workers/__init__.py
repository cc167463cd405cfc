"""RQ jobs and the outbox relay. Jobs are plain importable functions taking ids."""
