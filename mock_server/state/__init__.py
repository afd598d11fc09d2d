"""State: the SQLite store, the clock, id generators and seeding."""
