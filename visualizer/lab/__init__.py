"""The live lab engine.  Imports no Django: usable from the CLI, tests and the lab process."""
