"""The demo plant's logins, as plain data (printed by ``make run`` before Django is loaded)."""

DEMO_PASSWORD = "prosync-demo"  # noqa: S105 - printed on start; demo data only

DEMO_USERS = [
    # username, role, site codes, first name, last name
    ("admin", "Admin", ["north", "south"], "Ada", "Admin"),
    ("manager", "Manager", ["north", "south"], "Maya", "Planner"),
    ("tech.north", "Technician", ["north"], "Nils", "Fitter"),
    ("tech.south", "Technician", ["south"], "Sara", "Fitter"),
    ("tech.north2", "Technician", ["north"], "Jonas", "Weber"),
    ("tech.south2", "Technician", ["south"], "Luis", "Ortega"),
    ("viewer", "Viewer", ["north"], "Victor", "Viewer"),
]
