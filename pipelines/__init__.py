"""Item pipelines: normalising, comparing with MongoDB, diffing, storing."""
