"""The two-node cluster the tests/cluster journeys run on: topology, failover proxy, journeys."""
