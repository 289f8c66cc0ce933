"""The local dashboard: where every file is, search, upload, health and what it would cost on AWS."""
