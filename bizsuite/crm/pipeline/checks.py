"""Invariants of the pipeline, run by ``bizsuite check``."""

from __future__ import annotations

from sqlalchemy import func, select

from bizsuite.core.admin import CheckResult
from bizsuite.crm.pipeline.models import LOST, WON, Deal, Stage, StageChange


def pipeline_checks(books) -> list[CheckResult]:
    s = books.session
    out = []
    # a deal's status is its stage's kind; won deals at 100 %, lost at 0 %
    wrong = s.scalars(select(Deal.number).join(Stage, Stage.id == Deal.stage_id)
                      .where((Stage.kind != Deal.status)
                             | ((Deal.status == WON) & (Deal.probability != 100))
                             | ((Deal.status == LOST) & (Deal.probability != 0)))
                      .order_by(Deal.id).limit(5)).all()
    out.append(CheckResult("deals: the status is the stage's (won at 100 %, lost at 0 %)", not wrong,
                           f"e.g. {', '.join(wrong)}" if wrong else ""))
    # every deal's last stage change is where it is
    last = (select(StageChange.deal_id, func.max(StageChange.id).label("last"))
            .group_by(StageChange.deal_id).subquery())
    astray = s.scalars(select(Deal.number).outerjoin(last, last.c.deal_id == Deal.id)
                       .outerjoin(StageChange, StageChange.id == last.c.last)
                       .where((StageChange.id.is_(None)) | (StageChange.to_stage_id != Deal.stage_id))
                       .order_by(Deal.id).limit(5)).all()
    out.append(CheckResult("deals: the stage history ends where each deal is", not astray,
                           f"e.g. {', '.join(astray)}" if astray else ""))
    kinds = dict(s.execute(select(Stage.kind, func.count()).where(Stage.active.is_(True)).group_by(Stage.kind)).all())
    ok = kinds.get(WON) == 1 and kinds.get(LOST) == 1 and kinds.get("open", 0) >= 1
    out.append(CheckResult("pipeline stages: open ones, one won and one lost", ok, "" if ok else str(kinds)))
    return out
