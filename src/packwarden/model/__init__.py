"""Records and value types shared by every layer: findings, severities, rules, errors.

Nothing here imports pydantic: these types sit on the hot path of every commit.
The pydantic schemas for pack and config files live in ``packs.schema``.
"""
