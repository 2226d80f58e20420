"""Sub-commands of the ``pad`` command line."""
