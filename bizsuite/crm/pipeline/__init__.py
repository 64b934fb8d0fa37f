"""Pipeline: deals through configurable stages, won and lost with reasons, the weighted forecast
(see models.py and repository.py)."""

from bizsuite.core.modules import DemoPart, Module

MODULE = Module(
    name="pipeline",
    title="Pipeline",
    description="Deals by stage, won and lost with reasons, weighted forecast",
    depends=("contacts",),
    repository="bizsuite.crm.pipeline.repository:PipelineRepository",
    models=("bizsuite.crm.pipeline.models",),
    permissions={
        "pipeline.read": ("owner", "sales", "accountant", "support", "viewer"),  # support: the customer's deals on a ticket
        "pipeline.write": ("owner", "sales"),
        "pipeline.admin": ("owner",),  # the stages and the reasons lists
    },
    hooks={"contacts.customer_facts": "bizsuite.crm.pipeline.facts:customer_facts",
           "tickets.link_targets": "bizsuite.crm.pipeline.facts:LINK_TARGETS"},
    checks=("bizsuite.crm.pipeline.checks:pipeline_checks",),
    setup_tables=("pipeline_stages", "pipeline_reasons"),  # the stages and reasons lists: set-up, not data
    migrations="bizsuite.crm.pipeline.migrations",
    cli_help="Deals: add, move through the stages, won or lost, the weighted forecast.",
    cli="bizsuite.cli.pipeline:app",
    summary="bizsuite.crm.pipeline.overview:home_summary",
    search="bizsuite.crm.pipeline.overview:search",
    screen="bizsuite.screens.pipeline:BoardScreen",
    key="d",
    records={"deal": "bizsuite.screens.pipeline:open_deal"},
    palette="bizsuite.screens.pipeline:palette_sections",
    contact_panels=("bizsuite.screens.pipeline_panel:CustomerDealsPanel",),
    demo=DemoPart("bizsuite.crm.pipeline.demo:add_demo_pipeline", 20, daily="bizsuite.crm.pipeline.demo:demo_day"),
)
