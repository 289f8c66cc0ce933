"""Text extraction for files uploaded to the bucket.

``sync`` converges one upload's document to the bucket's current state; the other
modules turn a file into text. ``handler.py`` beside this package only wires them to
the Lambda event through the shared ``pipeline_core``.
"""
