"""Job events: the store (rows first), the bus (SQLite polling or Redis pub/sub), the live channel
for token deltas, and the plumbing that streams a room's events down a socket. Facts only: the
socket routes and the HTML they send live in web/ and api/."""
