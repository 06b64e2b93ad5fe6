"""The National Provider registry: API v2.1 client on recorded answers, bulk-file import,
and the questionnaire built from a record."""

from __future__ import annotations

import json
import random
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from idp_bridge.extensions import db
from idp_bridge.npi.models import NpiRecord
from idp_bridge.npi.nppes_api import NppesApiRegistry
from idp_bridge.npi.offline import OfflineRegistry, import_sample
from idp_bridge.npi.questionnaire import (
    InvalidAnswer,
    Questionnaire,
    answers_to_prefill,
    build_questionnaire,
)
from idp_bridge.npi.registry import RegistryUnavailable

# Shaped exactly like captured live answers (see shared/reference/nppes.md §1.4): note the
# MAILING address listed before LOCATION.
HOSPITAL = {"result_count": 1, "results": [{
    "addresses": [
        {"address_1": "12609 LAMP POST LN", "address_purpose": "MAILING", "address_type": "DOM",
         "city": "POTOMAC", "country_code": "US", "postal_code": "208542314", "state": "MD"},
        {"address_1": "3300 GALLOWS RD", "address_purpose": "LOCATION", "address_type": "DOM",
         "city": "FALLS CHURCH", "country_code": "US", "postal_code": "220423307",
         "state": "VA"}],
    "basic": {"organization_name": "INOVA FAIRFAX HOSPITAL", "organizational_subpart": "NO",
              "status": "A"},
    "enumeration_type": "NPI-2", "number": "1770626038",
    "other_names": [{"code": "3", "organization_name": "INOVA FAIRFAX",
                     "type": "Doing Business As"}],
    "taxonomies": [{"code": "282N00000X", "desc": "General Acute Care Hospital",
                    "primary": True, "state": "VA", "license": "0017138748"}]}]}
PERSON = {"result_count": 1, "results": [{
    "addresses": [], "basic": {"first_name": "KELLY", "last_name": "SOLOMON", "status": "A"},
    "enumeration_type": "NPI-1", "number": "1234567893", "other_names": [],
    "taxonomies": []}]}
ANSWERS = {
    "1770626038": (200, HOSPITAL),
    "1234567893": (200, PERSON),
    "1588000012": (200, {"result_count": 0, "results": []}),
    "0000000000": (200, {"Errors": [{"description": "Field number must be 10 digits",
                                     "field": "number", "number": "06"}]}),
    "1999999999": (503, {}),
}


class _Registry(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        query = parse_qs(urlparse(self.path).query)
        assert query["version"] == ["2.1"]
        status, body = ANSWERS[query["number"][0]]
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def nppes():
    server = HTTPServer(("127.0.0.1", 0), _Registry)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield NppesApiRegistry(f"http://127.0.0.1:{server.server_port}/api/")
    server.shutdown()


def test_api_reads_an_organization_and_picks_addresses_by_purpose(nppes):
    record = nppes.lookup("1770626038")
    assert (record.entity_type, record.active, record.name) == (2, True,
                                                                 "INOVA FAIRFAX HOSPITAL")
    assert record.address("LOCATION").city == "FALLS CHURCH"
    assert record.address("MAILING").city == "POTOMAC"
    assert record.dba_names == ["INOVA FAIRFAX"]
    assert record.primary_taxonomy.code == "282N00000X"


def test_api_reads_an_individual_as_a_professional_npi(nppes):
    record = nppes.lookup("1234567893")
    assert (record.entity_type, record.name) == (1, "KELLY SOLOMON")


def test_api_not_found_and_errors_at_http_200_mean_no_record(nppes):
    assert nppes.lookup("1588000012") is None
    assert nppes.lookup("0000000000") is None


def test_api_outage_is_reported_as_unavailable(nppes):
    with pytest.raises(RegistryUnavailable):
        nppes.lookup("1999999999")
    with pytest.raises(RegistryUnavailable):
        NppesApiRegistry("http://127.0.0.1:9/api/", timeout=2).lookup("1770626038")


def test_bulk_sample_imports_whole_records_and_reimports_idempotently(app):
    with app.app_context():
        assert import_sample() == 408
        assert import_sample() == 408
        assert db.session.query(NpiRecord).count() == 408
        record = OfflineRegistry().lookup("1588000012")
        assert record.name == "PRAIRIE FAMILY MEDICINE SC"
        assert record.dba_names == ["PRAIRIE FAMILY CLINIC"]
        assert record.address("LOCATION").line1 == "1200 N PARK ST"
        assert record.address("MAILING").line1 == "PO BOX 4410"
        assert record.primary_taxonomy.label() == "207Q00000X FAMILY MEDICINE"
        assert OfflineRegistry().lookup("1588000087").active is False


def test_questionnaire_mixes_true_answers_with_plausible_ones(app):
    with app.app_context():
        import_sample()
        registry = OfflineRegistry()
        record = registry.lookup("1588000012")
        first = build_questionnaire(record, registry, random.Random(1))
        second = build_questionnaire(record, registry, random.Random(2))
    prompts = [q.prompt for q in first.questions]
    assert prompts == ["Please select your most recent address:", "Please select your name:",
                       "Please select your primary taxonomy:",
                       "Please select Doing Business As:"]
    for question in first.questions:
        labels = [o.label for o in question.options]
        assert len(labels) == 4 and len(set(labels)) == 4
    labels = {q.key: [o.label for o in q.options] for q in first.questions}
    assert "1200 N PARK ST STE 210, MADISON, WI 53703" in labels["address"]
    assert "PO BOX 4410, MADISON, WI 53704" in labels["address"]
    assert "PRAIRIE FAMILY MEDICINE SC" in labels["name"]
    assert "PRAIRIE FAMILY CLINIC" in labels["dba"]
    assert labels != {q.key: [o.label for o in q.options] for q in second.questions}

    restored = Questionnaire.from_dict(json.loads(json.dumps(first.to_dict())))
    pick = {q.key: next(o.value for o in q.options if o.label in (
        "PO BOX 4410, MADISON, WI 53704", "PRAIRIE FAMILY MEDICINE SC",
        "PRAIRIE FAMILY CLINIC", "207Q00000X FAMILY MEDICINE")) for q in restored.questions}
    assert answers_to_prefill(restored, pick) == {
        "address_line1": "PO BOX 4410", "address_line2": "", "city": "MADISON", "state": "WI",
        "zip": "53704", "organization_name": "PRAIRIE FAMILY MEDICINE SC",
        "doing_business_as": "PRAIRIE FAMILY CLINIC"}
    with pytest.raises(InvalidAnswer):
        answers_to_prefill(restored, {**pick, "name": "name-9"})
