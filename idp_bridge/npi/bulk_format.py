"""Column names of the NPPES Data Dissemination files (download.cms.gov/nppes/NPI_Files.html).

The importer reads columns by these names, never by position, so the shipped sample (a subset
of the columns, in the real order) and a real monthly file load the same way.
"""

from __future__ import annotations

NPI = "NPI"
ENTITY_TYPE = "Entity Type Code"
ORGANIZATION_NAME = "Provider Organization Name (Legal Business Name)"
LAST_NAME = "Provider Last Name (Legal Name)"
FIRST_NAME = "Provider First Name"
OTHER_ORGANIZATION_NAME = "Provider Other Organization Name"
OTHER_ORGANIZATION_NAME_TYPE = "Provider Other Organization Name Type Code"
OTHER_LAST_NAME = "Provider Other Last Name"
OTHER_FIRST_NAME = "Provider Other First Name"
OTHER_LAST_NAME_TYPE = "Provider Other Last Name Type Code"
DEACTIVATION_DATE = "NPI Deactivation Date"
REACTIVATION_DATE = "NPI Reactivation Date"
TAXONOMY_SLOTS = 15
IDENTIFIER_SLOTS = 50

# The two address blocks differ only by this word in every header name.
MAILING_BLOCK = "Mailing Address"
LOCATION_BLOCK = "Practice Location Address"


def address_columns(block: str) -> dict[str, str]:
    """Header names of one address block, keyed by Address field."""
    return {
        "line1": f"Provider First Line Business {block}",
        "line2": f"Provider Second Line Business {block}",
        "city": f"Provider Business {block} City Name",
        "state": f"Provider Business {block} State Name",
        "postal_code": f"Provider Business {block} Postal Code",
    }


def taxonomy_columns(slot: int) -> tuple[str, str]:
    """(code, primary switch Y/N/X) header names of taxonomy slot 1..15."""
    return (f"Healthcare Provider Taxonomy Code_{slot}",
            f"Healthcare Provider Primary Taxonomy Switch_{slot}")


def _address_block(block: str) -> list[str]:
    return [*address_columns(block).values(),
            f"Provider Business {block} Country Code (If outside U.S.)",
            f"Provider Business {block} Telephone Number",
            f"Provider Business {block} Fax Number"]


# All 330 columns of npidata_pfile (version 2 file, which renamed "Provider Gender Code").
NPIDATA_COLUMNS: list[str] = [
    NPI, ENTITY_TYPE, "Replacement NPI", "Employer Identification Number (EIN)",
    ORGANIZATION_NAME, LAST_NAME, FIRST_NAME, "Provider Middle Name",
    "Provider Name Prefix Text", "Provider Name Suffix Text", "Provider Credential Text",
    OTHER_ORGANIZATION_NAME, OTHER_ORGANIZATION_NAME_TYPE, OTHER_LAST_NAME, OTHER_FIRST_NAME,
    "Provider Other Middle Name", "Provider Other Name Prefix Text",
    "Provider Other Name Suffix Text", "Provider Other Credential Text", OTHER_LAST_NAME_TYPE,
    *_address_block(MAILING_BLOCK), *_address_block(LOCATION_BLOCK),
    "Provider Enumeration Date", "Last Update Date", "NPI Deactivation Reason Code",
    DEACTIVATION_DATE, REACTIVATION_DATE, "Provider Sex Code",
    "Authorized Official Last Name", "Authorized Official First Name",
    "Authorized Official Middle Name", "Authorized Official Title or Position",
    "Authorized Official Telephone Number",
    *[name for slot in range(1, TAXONOMY_SLOTS + 1) for name in (
        taxonomy_columns(slot)[0], f"Provider License Number_{slot}",
        f"Provider License Number State Code_{slot}", taxonomy_columns(slot)[1])],
    *[name for slot in range(1, IDENTIFIER_SLOTS + 1) for name in (
        f"Other Provider Identifier_{slot}", f"Other Provider Identifier Type Code_{slot}",
        f"Other Provider Identifier State_{slot}", f"Other Provider Identifier Issuer_{slot}")],
    "Is Sole Proprietor", "Is Organization Subpart", "Parent Organization LBN",
    "Parent Organization TIN", "Authorized Official Name Prefix Text",
    "Authorized Official Name Suffix Text", "Authorized Official Credential Text",
    *[f"Healthcare Provider Taxonomy Group_{slot}" for slot in range(1, TAXONOMY_SLOTS + 1)],
    "Certification Date",
]

OTHERNAME_COLUMNS: list[str] = [NPI, OTHER_ORGANIZATION_NAME, OTHER_ORGANIZATION_NAME_TYPE]
