"""The list of pynamodb models, filled by the `@register` decorator as store/models.py is imported.

It sits apart from tables.py so that models.py (which registers) and tables.py (which binds what is
registered) do not import each other.
"""

from __future__ import annotations

from pynamodb.models import Model

MODELS: list[type[Model]] = []


def register(model: type[Model]) -> type[Model]:
    """Class decorator: remember a model so binding and table creation see it."""
    MODELS.append(model)
    model.Meta.base_name = model.Meta.table_name  # type: ignore[attr-defined]
    return model
