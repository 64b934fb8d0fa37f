"""Contacts: companies and people, the record every other module points at."""

from bizsuite.core.modules import ALL_ROLES, CreatePart, DemoPart, Module

MODULE = Module(
    name="contacts",
    title="Contacts",
    description="Companies and people: roles, tags, notes, timeline, duplicates",
    repository="bizsuite.crm.contacts.repository:ContactsRepository",
    models=("bizsuite.crm.contacts.models",),
    permissions={
        "contacts.read": ALL_ROLES,
        "contacts.write": ("owner", "sales", "support"),
    },
    checks=("bizsuite.crm.contacts.checks:contact_checks", "bizsuite.crm.contacts.checks:search_index_check"),
    demo=DemoPart("bizsuite.crm.contacts.demo:add_demo_contacts", 50),
    create=CreatePart("bizsuite.crm.contacts.setup", answers={"region": "US"}),  # init --region
    migrations="bizsuite.crm.contacts.migrations",
    dialect_only=("contacts_fts*", "ix_contacts_search_trgm", "search_index_paused"),
    summary="bizsuite.crm.contacts.overview:home_summary",
    search="bizsuite.crm.contacts.overview:search",
    cli_help="Companies and people: list, show, add, edit, import, export, merge.",
    cli="bizsuite.cli.contacts:app",
    screen="bizsuite.screens.contacts:ContactsScreen",
    key="c",
    records={"contact": "bizsuite.screens.contacts:open_contact"},
)
