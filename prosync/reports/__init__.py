"""Cross-domain maintenance reports: the KPIs computed in PostgreSQL (``kpis``), the filters that
cut them (``scope``), the pages, the exports and the API built on them."""
