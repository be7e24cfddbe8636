"""Workflow Builder custom steps (``functions`` in manifest.yml, ``function_runtime: remote``)."""
