"""Data in and out: file formats behind a registry, and connectors to public APIs."""
