"""bench/signin.py never signs one person in twice in a row: Keycloak's blocking brute-force
protector refuses a person's password while their previous sign-in is still being recorded
(bench/NOTES.md, "Sign-in stopped working in the benchmark")."""

from __future__ import annotations

from itertools import pairwise

from bench.signin import Rotation


def _people(count: int) -> list[dict[str, str]]:
    return [{"id": f"person-{i}", "email": f"p{i}@clinic.test", "phone": ""}
            for i in range(count)]


def test_each_client_signs_in_its_own_people_in_turn_across_runs():
    rotation = Rotation(_people(8), clients=2)
    first = [rotation.next(0)["id"] for _ in range(3)]
    later = [rotation.next(0)["id"] for _ in range(3)]  # the next run carries on
    other = [rotation.next(1)["id"] for _ in range(4)]
    assert first + later == ["person-0", "person-1", "person-2", "person-3", "person-0",
                             "person-1"]
    assert other == ["person-4", "person-5", "person-6", "person-7"]


def test_no_client_signs_the_same_person_in_twice_in_a_row():
    rotation = Rotation(_people(32), clients=4)
    for client in range(4):
        ids = [rotation.next(client)["id"] for _ in range(25)]
        assert all(a != b for a, b in pairwise(ids))


def test_the_shortest_gap_between_a_persons_sign_ins_is_measured():
    rotation = Rotation(_people(1), clients=1)
    person = rotation.next(0)
    rotation.started(person)
    assert rotation.min_gap == float("inf")  # a first sign-in has no gap before it
    rotation.ended(person)
    rotation.started(rotation.next(0))
    assert rotation.min_gap != float("inf") and rotation.min_gap >= 0
