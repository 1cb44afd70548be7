"""Rules room, access: roles and who may do what, in one table."""

from types import SimpleNamespace

import pytest

from rules import access


def person(role):
    """A stand-in for a User: only the role matters here."""
    return SimpleNamespace(role=role)


@pytest.mark.parametrize(("ability", "allowed"), [
    (access.STAFF, {"admin", "leader", "clerk"}),
    (access.ANY_COUNTER, {"admin", "leader"}),
    (access.READ_ADMIN, {"admin", "leader"}),
    (access.WRITE_ADMIN, {"admin"}),
    (access.PROVINCE_VIEW, {"province"}),
])
def test_who_may_do_what(ability, allowed):
    """Each ability lets exactly its roles through, and nobody logged in never."""
    assert {role for role in access.ROLES if access.may(person(role), ability)} == allowed
    assert access.may(None, ability) is False
    assert access.may(person("hacker"), ability) is False


def test_only_clerks_are_bound_to_assigned_counters():
    """A clerk works only at assigned counters; admins and leaders at any; others at none."""
    assert [r for r in access.ROLES if access.assigned_counters_only(r)] == ["clerk"]
    assert access.COUNTER_ASSIGNED == ("clerk",)


def test_office_roles_in_list_order_with_names():
    """The admin's role choices: admin, leader, clerk, with Vietnamese names; province is not one."""
    assert list(access.office_role_names()) == ["admin", "leader", "clerk"]
    assert access.office_role_names()["clerk"] == "Cán bộ một cửa"
    assert sorted(["clerk", "zzz", "admin", "leader"], key=access.role_order) == ["admin", "leader", "clerk", "zzz"]
