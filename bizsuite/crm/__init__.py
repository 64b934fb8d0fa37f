"""CRM modules: contacts (shared by everything), pipeline, tickets."""
