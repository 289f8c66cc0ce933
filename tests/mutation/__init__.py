"""Mutation testing of the core logic: ``make mutation`` (see the README's "Mutation testing").

mutmut mutates the Python listed in pyproject.toml's ``[tool.mutmut]``; the SQL of the
migrations and of the upsert, which mutmut cannot mutate, gets the hand-written mutants
of ``sql_mutants``. Both run the suites that need no running stack (tests/unit, tests/db).
"""
