"""Payment-gateway adapters: ``sandbox`` (in-process, the embedded default) and ``stripe``."""
