"""Import every module's tables so that ``SQLModel.metadata`` knows the whole schema."""

from bizsuite.core import models as _core  # noqa: F401
from bizsuite.crm.contacts import models as _contacts  # noqa: F401
from bizsuite.crm.tickets import models as _tickets  # noqa: F401
from bizsuite.erp.ledger import models as _ledger  # noqa: F401
