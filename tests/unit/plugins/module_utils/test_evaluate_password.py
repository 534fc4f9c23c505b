"""Test passwords for a pam_pwquality policy: each weak variant breaks exactly one rule."""

from __future__ import annotations

import random

import pytest

from ansible_collections.born2beroot.virt.plugins.module_utils import _evaluate_password as pw

BASELINE = {
    "minlen": 10,
    "ucredit": -1,
    "lcredit": -1,
    "dcredit": -1,
    "maxrepeat": 3,
    "usercheck": 1,
    "difok": 7,
    "enforce_for_root": True,
}


@pytest.mark.parametrize("seed", range(40))
def test_good_password_meets_the_baseline(seed):
    good = pw.make_password(random.Random(seed), BASELINE, "evaluator")
    assert pw.problems(good, BASELINE, "evaluator") == []
    assert all(a.lower() != b.lower() for a, b in zip(good, good[1:], strict=False))


@pytest.mark.parametrize("seed", range(40))
def test_each_weak_variant_breaks_only_its_rule(seed):
    rng = random.Random(seed)
    good = pw.make_password(rng, BASELINE, "evaluator")
    variants = pw.weak_variants(good, BASELINE, "evaluator", rng)
    assert [rule for rule, _weak in variants] == ["minlen", "ucredit", "lcredit", "dcredit", "maxrepeat", "usercheck"]
    for rule, weak in variants:
        assert pw.problems(weak, BASELINE, "evaluator") == [rule], (rule, weak)


def test_problems_sees_each_rule_broken():
    assert pw.problems("Kx9mVq2Lr", BASELINE) == ["minlen"]
    assert pw.problems("kx9mvq2lrt", BASELINE) == ["ucredit"]
    assert pw.problems("KX9MVQ2LRT", BASELINE) == ["lcredit"]
    assert pw.problems("KxqmVqbLrt", BASELINE) == ["dcredit"]
    assert pw.problems("Kx9mVqqqq2Lrt", BASELINE) == ["maxrepeat"]
    assert pw.problems("Kx9evaluator2L", BASELINE, "evaluator") == ["usercheck"]
    assert pw.problems("Kx9rotaulave2L", BASELINE, "evaluator") == ["usercheck"]  # reversed name too
    assert pw.problems("Kx9mVq2Lrt", BASELINE) == []


def test_positive_credits_count_towards_the_length():
    policy = {"minlen": 10, "dcredit": 1}
    assert pw.score("abcdefgh1", policy) == 10
    assert pw.problems("abcdefgh1", policy) == []


def test_a_policy_without_rules_gives_no_variants_but_minlen():
    rng = random.Random(1)
    good = pw.make_password(rng, {"minlen": 8, "usercheck": 0}, "bob")
    assert [rule for rule, _weak in pw.weak_variants(good, {"minlen": 8, "usercheck": 0}, "bob", rng)] == ["minlen"]


def test_other_characters_are_used_only_when_required():
    rng = random.Random(3)
    assert pw.counts(pw.make_password(rng, BASELINE))["ocredit"] == 0
    policy = dict(BASELINE, ocredit=-2)
    good = pw.make_password(rng, policy)
    assert pw.counts(good)["ocredit"] >= 2
    variants = dict(pw.weak_variants(good, policy, "evaluator", rng))
    assert pw.counts(variants["ocredit"])["ocredit"] == 0 and len(variants["ocredit"]) == len(good)


def test_avoid_gives_a_password_with_no_shared_character():
    rng = random.Random(5)
    first = pw.make_password(rng, BASELINE)
    second = pw.make_password(rng, BASELINE, avoid=first)
    assert not set(second.lower()) & set(first.lower())


def test_similar_password_differs_in_one_character():
    rng = random.Random(7)
    good = pw.make_password(rng, BASELINE)
    similar = pw.similar_password(good, rng)
    assert similar[:-1] == good[:-1] and similar[-1] != good[-1]
    assert pw.problems(similar, BASELINE) == []


@pytest.mark.parametrize(
    "rule, output, matches",
    [
        ("minlen", "BAD PASSWORD: The password is shorter than 10 characters", True),
        ("ucredit", "BAD PASSWORD: The password contains less than 1 uppercase letters", True),
        ("lcredit", "The password contains less than 1 lowercase letters", True),
        ("dcredit", "The password contains less than 1 digits", True),
        ("maxrepeat", "The password contains more than 3 same characters consecutively", True),
        ("usercheck", "The password contains the user name in some form", True),
        ("difok", "BAD PASSWORD: The password is too similar to the old one", True),
        ("dcredit", "The password is shorter than 10 characters", False),
        ("usercheck", "chpasswd: (line 1, user evaluator) password not changed", False),
        ("minlen", "", False),
    ],
)
def test_refusal_messages(rule, output, matches):
    assert pw.refusal_matches(rule, output) is matches
