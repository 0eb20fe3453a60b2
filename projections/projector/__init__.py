"""The projector: follows the event log, runs followers in batches (each batch and its
position in one transaction), tracks positions, and rebuilds read models from the log."""
