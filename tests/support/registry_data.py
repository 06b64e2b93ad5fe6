"""Fixed records of the shipped registry sample (idp_bridge/npi/data/README.md)."""

ORGANIZATIONS = [
    {"npi": "1588000012", "tin": "39-1588001", "name": "PRAIRIE FAMILY MEDICINE SC"},
    {"npi": "1588000020", "tin": "39-1588002", "name": "BADGER STATE PHYSICAL THERAPY LLC"},
    {"npi": "1588000038", "tin": "39-1588003", "name": "FOX VALLEY PEDIATRICS SC"},
    {"npi": "1588000046", "tin": "39-1588004", "name": "NORTHWOODS MEDICAL SUPPLY LLC"},
    {"npi": "1588000053", "tin": "39-1588005", "name": "LAKEVIEW URGENT CARE LLC"},
    {"npi": "1588000061", "tin": "39-1588006", "name": "DRIFTLESS HOME HEALTH LLC"},
    {"npi": "1588000079", "tin": "39-1588007", "name": "CAPITOL EYE CARE LLC"},
]
DEACTIVATED = {"npi": "1588000087", "tin": "39-1588008", "name": "RIVERSIDE HOSPICE INC"}
PROFESSIONAL = {"npi": "1300000001", "tin": "39-1300001", "name": "PAUL SCHMIDT"}
