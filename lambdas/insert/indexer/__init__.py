"""Indexing of extracted documents in the PostgreSQL search database.

Plain functions behind the insert function's handler: converging one document
key's row to the bucket's current state (``sync``), the SQL that writes the index
(``store``) and the connection (``database``). Events, the record loop and the
document contract come from the shared ``pipeline_core``.
"""
