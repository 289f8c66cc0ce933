"""Deploy the pipeline as one CloudFormation (SAM) stack: template.yaml at the project root.

``artifacts`` builds each function's zip with bootstrap's packaging and uploads it,
``parameters`` turns the project's configuration into the template's parameters,
``changeset`` plans, applies and deletes the stack, and ``target`` makes sure that
commands meant for AWS talk to AWS, with an explicit profile, and nothing else.
"""
