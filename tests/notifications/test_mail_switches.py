"""MAIL_USE_SSL / MAIL_USE_TLS come from the environment as strings: "0" must mean off."""

from __future__ import annotations

import pytest

from deliberation.notifications.channels import _on


@pytest.mark.parametrize(("value", "on"), [
    ("0", False), ("false", False), ("Off", False), ("no", False), ("", False), (None, False),
    (False, False), ("1", True), ("true", True), ("yes", True), (True, True),
])
def test_a_mail_switch_reads_like_a_person_means_it(value, on):
    assert _on(value) is on
