"""The published layouts of the three lists the plan must check (42 CFR 455.436).

Spelled once, here; the readers refuse a file whose header differs and the sample writer
writes exactly these. See the area's README for where each file comes from.
"""

from __future__ import annotations

# OIG List of Excluded Individuals/Entities, the monthly full file UPDATED.csv: 18 columns,
# read by position, dates YYYYMMDD ("00000000" when none), NPI "0000000000" when none.
LEIE_COLUMNS = (
    "LASTNAME", "FIRSTNAME", "MIDNAME", "BUSNAME", "GENERAL", "SPECIALTY", "UPIN", "NPI",
    "DOB", "ADDRESS", "CITY", "STATE", "ZIP", "EXCLTYPE", "EXCLDATE", "REINDATE",
    "WAIVERDATE", "WAIVERSTATE",
)

# SAM.gov Exclusions Public Extract V2 (SAM_Exclusions_Public_Extract_V2_YYDDD.ZIP, one CSV).
SAM_COLUMNS = (
    "Classification", "Name", "Prefix", "First", "Middle", "Last", "Suffix",
    "Address 1", "Address 2", "Address 3", "Address 4", "City", "State / Province",
    "Country", "Zip Code", "Open Data Flag", "Blank (Deprecated)", "Unique Entity ID",
    "Exclusion Program", "Excluding Agency", "CT Code", "Exclusion Type",
    "Additional Comments", "Active Date", "Termination Date", "Record Status",
    "Cross-Reference", "SAM Number", "CAGE", "NPI", "Creation_Date",
)
SAM_FIRM_CLASSIFICATIONS = frozenset({"Firm", "Special Entity Designation"})
SAM_OPEN_ENDED = frozenset({"", "Indefinite"})  # Termination Date of a lasting exclusion

# NPPES Deactivated NPI Report (NPPES_Deactivated_NPI_Report_MMDDYY.zip, one .xlsx):
# a title row, then these column names, then one NPI a row.
DEACTIVATION_COLUMNS = ("NPI", "NPPES Deactivation Date")
DEACTIVATION_HEADER_ROWS = 2

SOURCES = {"leie": "OIG LEIE", "sam": "SAM.gov", "nppes": "NPPES"}
