"""Import every installed module's tables so that ``SQLModel.metadata`` knows the whole schema.

Importing this module is the same as calling :func:`bizsuite.core.modules.load_models`: kept
for what imports it by name (the migrations' environment, autogenerate, tests).
"""

from bizsuite.core.modules import load_models

load_models()
