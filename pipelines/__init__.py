"""Item pipelines: clean -> dedupe -> store. Each module is one stage."""
