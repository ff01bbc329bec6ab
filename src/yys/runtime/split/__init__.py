"""`yys up --split`: the whole platform as separate local processes behind an nginx edge.

A supervisor (`supervisor.run_split`) prepares the data dir and the shared keys, migrates and
seeds once, then runs one `yys serve` API process per service, one consumer, one worker and one
scheduler process (all services), a Kafka-protocol broker when none is configured, and nginx.
The nginx routes are generated from the services' own route tables (`routing`), so a route a
service adds is reachable at the edge without editing any config. See docs/SPLIT.md.
"""
