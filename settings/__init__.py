"""Configuration and clients: the settings table (environment / .env), boto3 clients, the database
connection and safe printing. Depends on nothing else in the project; every other package uses it."""
