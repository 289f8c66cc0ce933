"""Indexing of extracted documents in the PostgreSQL search database.

Plain functions behind the insert function's handler: reading S3 events
(``events``), parsing extracted documents (``document``), the SQL that writes
the index (``store``), the connection (``database``) and the loop over an
event's records (``process``).
"""
