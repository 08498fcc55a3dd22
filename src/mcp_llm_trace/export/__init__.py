"""Exporters and the export pipeline (registry, file exporter, resilience wrappers)."""
