"""Text extraction for files uploaded to the bucket.

The modules here are plain functions over S3 clients and files; ``handler.py``
beside this package only wires them to the Lambda event.
"""
