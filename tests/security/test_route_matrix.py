"""Role x route matrix over every GET route: the status each role gets is declared in
`access_table.ACCESS`, and a route without a declaration fails the suite."""

from __future__ import annotations

import pytest

from tests.security.access_table import ACCESS, ROLES, get_rules, make_objects


def test_every_get_route_declares_its_access(app):
    missing = [rule for rule in get_rules(app) if rule not in ACCESS]
    assert not missing, (
        "GET routes without an entry in tests/security/access_table.py ACCESS "
        f"(declare who may open them): {missing}")
    stale = [rule for rule in ACCESS if rule not in get_rules(app)]
    assert not stale, f"ACCESS entries for routes that no longer exist: {stale}"


@pytest.mark.parametrize("role", ROLES)
def test_role_route_matrix(app, world, login, role):
    objs = make_objects(world)
    user = world.roles()[role]
    c = login(user) if user else app.test_client()
    wrong = []
    for rule in get_rules(app):
        if rule not in ACCESS:
            continue  # reported by test_every_get_route_declares_its_access
        build, expected = ACCESS[rule]
        url = build(world, objs)
        r = c.get(url)
        if r.status_code != expected[role]:
            wrong.append(f"{url}: expected {expected[role]}, got {r.status_code}")
        elif r.status_code == 302 and role == "anonymous":
            if "/login" not in r.headers["Location"]:
                wrong.append(f"{url}: anonymous redirected to {r.headers['Location']}, not to login")
    assert not wrong, f"{role}:\n  " + "\n  ".join(wrong)


def test_the_matrix_is_not_trivial():
    """Each role is refused somewhere and let in somewhere (a matrix of all-200 proves nothing)."""
    for role in ROLES:
        statuses = {expected[role] for _build, expected in ACCESS.values()}
        assert 200 in statuses and statuses - {200}, role
