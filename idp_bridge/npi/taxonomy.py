"""Descriptions of the NUCC Health Care Provider Taxonomy codes the offline registry knows.

The bulk file carries taxonomy codes only. Descriptions follow what the NPPES API puts in
``taxonomies[].desc`` (Classification, then ", Specialization" if any), so a record reads the
same from either source. This is a curated subset of the NUCC code set (nucc.org), not the
whole list: an unknown code imports with an empty description and shows as the bare code.
"""

from __future__ import annotations

TAXONOMY_DESCRIPTIONS: dict[str, str] = {
    # Groups, clinics, hospitals, facilities, suppliers (organizations)
    "193200000X": "Multi-Specialty",
    "193400000X": "Single Specialty",
    "261QP2300X": "Clinic/Center, Primary Care",
    "261QR1300X": "Clinic/Center, Rural Health",
    "261QM1300X": "Clinic/Center, Multi-Specialty",
    "261QU0200X": "Clinic/Center, Urgent Care",
    "261QP2000X": "Clinic/Center, Physical Therapy",
    "261QR0400X": "Clinic/Center, Rehabilitation",
    "261QR0200X": "Clinic/Center, Radiology",
    "261QM0801X": "Clinic/Center, Mental Health (Including Community Mental Health Center)",
    "261QF0400X": "Clinic/Center, Federally Qualified Health Center (FQHC)",
    "261QA1903X": "Clinic/Center, Ambulatory Surgical",
    "261QE0700X": "Clinic/Center, End-Stage Renal Disease (ESRD) Treatment",
    "261QD0000X": "Clinic/Center, Dental",
    "282N00000X": "General Acute Care Hospital",
    "282NC0060X": "General Acute Care Hospital, Critical Access",
    "283Q00000X": "Psychiatric Hospital",
    "283X00000X": "Rehabilitation Hospital",
    "314000000X": "Skilled Nursing Facility",
    "313M00000X": "Nursing Facility/Intermediate Care Facility",
    "324500000X": "Substance Abuse Rehabilitation Facility",
    "251E00000X": "Home Health",
    "251G00000X": "Hospice Care, Community Based",
    "291U00000X": "Clinical Medical Laboratory",
    "332B00000X": "Durable Medical Equipment & Medical Supplies",
    "332BX2000X": "Durable Medical Equipment & Medical Supplies, Oxygen Equipment & Supplies",
    "335E00000X": "Prosthetic/Orthotic Supplier",
    "332H00000X": "Eyewear Supplier",
    "333600000X": "Pharmacy",
    "3336C0003X": "Pharmacy, Community/Retail Pharmacy",
    "3336H0001X": "Pharmacy, Home Infusion Therapy Pharmacy",
    "3336L0003X": "Pharmacy, Long Term Care Pharmacy",
    "3336S0011X": "Pharmacy, Specialty Pharmacy",
    "3416L0300X": "Ambulance, Land Transport",
    # Individuals (also used by group practices)
    "207Q00000X": "Family Medicine",
    "207R00000X": "Internal Medicine",
    "207RC0000X": "Internal Medicine, Cardiovascular Disease",
    "208000000X": "Pediatrics",
    "207V00000X": "Obstetrics & Gynecology",
    "207X00000X": "Orthopaedic Surgery",
    "207P00000X": "Emergency Medicine",
    "207N00000X": "Dermatology",
    "208600000X": "Surgery",
    "2084P0800X": "Psychiatry & Neurology, Psychiatry",
    "2085R0202X": "Radiology, Diagnostic Radiology",
    "363L00000X": "Nurse Practitioner",
    "363LF0000X": "Nurse Practitioner, Family",
    "363A00000X": "Physician Assistant",
    "363AM0700X": "Physician Assistant, Medical",
    "225100000X": "Physical Therapist",
    "225X00000X": "Occupational Therapist",
    "235Z00000X": "Speech-Language Pathologist",
    "103T00000X": "Psychologist",
    "101YM0800X": "Counselor, Mental Health",
    "1041C0700X": "Social Worker, Clinical",
    "1223G0001X": "Dentist, General Practice",
    "152W00000X": "Optometrist",
    "183500000X": "Pharmacist",
    "111N00000X": "Chiropractor",
}


def describe(code: str) -> str:
    return TAXONOMY_DESCRIPTIONS.get(code, "")
