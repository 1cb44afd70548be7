"""Multi-process tests (PostgreSQL + Redis, several real servers)."""
